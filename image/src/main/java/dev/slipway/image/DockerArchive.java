package dev.slipway.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/** A {@code docker save} tar (what jib's TarImage writes and {@code docker load} reads). */
final class DockerArchive extends StoredImage {
    private final Path file;
    private final String digest;
    private final String configDigest;
    private final JsonNode config;
    private final List<LayerSummary> layers = new ArrayList<>();
    private final Map<String, String> layerEntryByDigest = new LinkedHashMap<>();

    private DockerArchive(Path file, String digest) throws IOException {
        this.file = file;
        this.digest = digest;
        try (TarFile tar = new TarFile(file)) {
            Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
            for (TarArchiveEntry entry : tar.getEntries()) {
                entries.put(entry.getName(), entry);
            }
            JsonNode manifest = JSON.readTree(read(tar, entries, "manifest.json")).get(0);
            byte[] configBytes = read(tar, entries, manifest.path("Config").asText());
            this.config = JSON.readTree(configBytes);
            this.configDigest = "sha256:" + HexFormat.of().formatHex(ImageFilesystem.newSha256().digest(configBytes));
            for (JsonNode layerName : manifest.path("Layers")) {
                TarArchiveEntry entry = entries.get(layerName.asText());
                if (entry == null) {
                    throw new IOException(file + ": layer " + layerName.asText() + " is missing");
                }
                String layerDigest;
                try (InputStream content = tar.getInputStream(entry)) {
                    layerDigest = "sha256:" + ImageFilesystem.sha256(content);
                }
                layers.add(new LayerSummary("base", layerDigest, entry.getSize()));
                layerEntryByDigest.put(layerDigest, entry.getName());
            }
        }
    }

    /** Opens a docker-save tar; {@code digest} is the manifest digest when known (jib reports it). */
    static DockerArchive open(Path file, String digest) {
        try {
            return new DockerArchive(file, digest);
        } catch (IOException | RuntimeException e) {
            throw new ImageException(file + " is not a readable docker-save image archive: " + e.getMessage(), e);
        }
    }

    private static byte[] read(TarFile tar, Map<String, TarArchiveEntry> entries, String name) throws IOException {
        TarArchiveEntry entry = entries.get(name);
        if (entry == null) {
            throw new IOException("no " + name + " in the archive");
        }
        try (InputStream content = tar.getInputStream(entry)) {
            return content.readAllBytes();
        }
    }

    @Override
    String digest() {
        return digest;
    }

    @Override
    String configDigest() {
        return configDigest;
    }

    @Override
    List<LayerSummary> rawLayers() {
        return List.copyOf(layers);
    }

    @Override
    JsonNode config() {
        return config;
    }

    @Override
    InputStream openLayer(String layerDigest) throws IOException {
        String name = layerEntryByDigest.get(layerDigest);
        if (name == null) {
            throw new IOException(file + " has no layer " + layerDigest);
        }
        // a TarFile stream is valid only while the TarFile is open: close both together
        TarFile tar = new TarFile(file);
        for (TarArchiveEntry entry : tar.getEntries()) {
            if (entry.getName().equals(name)) {
                InputStream content = tar.getInputStream(entry);
                return new java.io.FilterInputStream(content) {
                    @Override
                    public void close() throws IOException {
                        try {
                            super.close();
                        } finally {
                            tar.close();
                        }
                    }
                };
            }
        }
        tar.close();
        throw new IOException(file + " has no entry " + name);
    }
}
