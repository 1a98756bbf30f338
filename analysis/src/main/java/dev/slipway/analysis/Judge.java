package dev.slipway.analysis;

import dev.slipway.model.AnalysisSpec;

/** Decides whether what a canary showed over a window is good enough. */
public interface Judge {
    Verdict judge(AnalysisSpec spec, MetricSample window);
}
