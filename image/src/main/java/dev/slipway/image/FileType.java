package dev.slipway.image;

/** The kind of a filesystem entry in an image layer. */
public enum FileType {
    REGULAR, DIRECTORY, SYMBOLIC_LINK, OTHER
}
