package dev.slipway.router;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;

/**
 * A field of a JSON wire record that must be present and not {@code null}; the other fields may be left out
 * (see {@link StrictJson}).
 */
@Retention(RetentionPolicy.RUNTIME)
@JacksonAnnotationsInside
@JsonProperty(required = true)
@JsonSetter(nulls = Nulls.FAIL)
@interface Required {
}
