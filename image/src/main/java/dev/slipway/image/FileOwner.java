package dev.slipway.image;

/** Numeric owner of files in a layer ("uid:gid"). */
public record FileOwner(long userId, long groupId) {
    public static final FileOwner ROOT = new FileOwner(0, 0);

    /** Parses "1000:1000". */
    public static FileOwner parse(String text) {
        String[] parts = text.split(":");
        if (parts.length != 2) {
            throw new IllegalArgumentException("owner must be uid:gid, got " + text);
        }
        return new FileOwner(Long.parseLong(parts[0].trim()), Long.parseLong(parts[1].trim()));
    }

    @Override
    public String toString() {
        return userId + ":" + groupId;
    }
}
