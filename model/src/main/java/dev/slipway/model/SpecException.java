package dev.slipway.model;

/**
 * A spec that cannot be accepted, located in its file: {@code slipway.yaml:14:7: release.replicas: ...}.
 * Lines and columns are 1-based. The message is made for a terminal ({@link TerminalText}): a long quoted value is
 * shortened, and control characters (a terminal escape in a hostile file, a NUL) are shown escaped, not printed.
 */
public class SpecException extends RuntimeException {
    private final String file;
    private final int line;
    private final int column;
    private final String path;
    private final String problem;

    public SpecException(String file, int line, int column, String path, String problem) {
        super(TerminalText.of(file + ":" + line + ":" + column + ": " + (path.isEmpty() ? "" : path + ": ") + problem));
        this.file = file;
        this.line = line;
        this.column = column;
        this.path = path;
        this.problem = problem;
    }

    public String file() { return file; }
    public int line() { return line; }
    public int column() { return column; }
    /** The dotted path of the offending field, e.g. {@code release.strategy.canary.steps[2].setWeight}. */
    public String path() { return path; }
    public String problem() { return problem; }
}
