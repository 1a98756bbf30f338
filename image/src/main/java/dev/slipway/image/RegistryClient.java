package dev.slipway.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads images back from a registry with the plain Docker Registry v2 API (manifests, blobs, HEAD),
 * so that results can be verified and a base image's filesystem computed without a daemon.
 * Pushing stays with jib.
 */
final class RegistryClient {
    private static final String ACCEPT_MANIFESTS = String.join(",",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.index.v1+json");
    private static final Pattern CHALLENGE_PARAMETER = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final RegistryAccess access;
    private final Map<String, String> authorizationByRepository = new LinkedHashMap<>();

    RegistryClient(RegistryAccess access) {
        this.access = access;
    }

    /** Fetches the manifest (resolving a manifest list to linux/amd64) and config of {@code reference}. */
    RegistryImageView image(String reference) {
        ImageReference parsed = ImageReferences.parse(reference);
        try {
            HttpResponse<byte[]> response = get(parsed, "/manifests/" + parsed.getQualifier(), ACCEPT_MANIFESTS);
            JsonNode manifest = StoredImage.JSON.readTree(response.body());
            String digest = response.headers().firstValue("Docker-Content-Digest")
                    .orElse("sha256:" + HexFormat.of().formatHex(ImageFilesystem.newSha256().digest(response.body())));
            if (manifest.has("manifests")) {
                String chosen = chooseLinuxAmd64(manifest, reference);
                response = get(parsed, "/manifests/" + chosen, ACCEPT_MANIFESTS);
                manifest = StoredImage.JSON.readTree(response.body());
                digest = chosen;
            }
            String configDigest = manifest.path("config").path("digest").asText();
            JsonNode config = StoredImage.JSON.readTree(get(parsed, "/blobs/" + configDigest, "*/*").body());
            List<LayerSummary> layers = new ArrayList<>();
            for (JsonNode layer : manifest.path("layers")) {
                layers.add(new LayerSummary("base", layer.path("digest").asText(), layer.path("size").asLong()));
            }
            return new RegistryImageView(this, parsed, digest, configDigest, layers, config);
        } catch (IOException e) {
            throw new ImageException("cannot read " + reference + " from its registry: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted while reading " + reference, e);
        }
    }

    /** True when the repository of {@code reference} already holds the blob (a HEAD request). */
    boolean hasBlob(String reference, String digest) {
        ImageReference parsed = ImageReferences.parse(reference);
        try {
            HttpRequest request = request(parsed, "/blobs/" + digest, "*/*").method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() == 401 && authorize(parsed, response.headers().firstValue("WWW-Authenticate"))) {
                request = request(parsed, "/blobs/" + digest, "*/*").method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
                response = http.send(request, HttpResponse.BodyHandlers.discarding());
            }
            return response.statusCode() == 200;
        } catch (IOException e) {
            throw new ImageException("cannot reach the registry of " + reference + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted while checking " + reference, e);
        }
    }

    InputStream openBlob(ImageReference image, String digest) throws IOException {
        try {
            HttpRequest request = request(image, "/blobs/" + digest, "*/*").GET().build();
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() == 401) {
                response.body().close();
                if (authorize(image, response.headers().firstValue("WWW-Authenticate"))) {
                    response = http.send(request(image, "/blobs/" + digest, "*/*").GET().build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                }
            }
            if (response.statusCode() != 200) {
                response.body().close();
                throw new IOException("GET blob " + digest + " of " + image + " answered " + response.statusCode());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private HttpResponse<byte[]> get(ImageReference image, String path, String accept) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(request(image, path, accept).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 401 && authorize(image, response.headers().firstValue("WWW-Authenticate"))) {
            response = http.send(request(image, path, accept).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        }
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + " of " + image + " answered " + response.statusCode()
                    + ": " + new String(response.body(), StandardCharsets.UTF_8).trim());
        }
        return response;
    }

    private HttpRequest.Builder request(ImageReference image, String path, String accept) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri(image, path))
                .timeout(Duration.ofMinutes(5))
                .header("Accept", accept);
        String authorization = authorizationByRepository.get(image.getRegistry() + "/" + image.getRepository());
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder;
    }

    private URI uri(ImageReference image, String path) {
        String host = image.getRegistry();
        String scheme = access.plainHttpAllowedFor(host) ? "http" : "https";
        String apiHost = host.equals("registry-1.docker.io") || host.equals("docker.io") ? "registry-1.docker.io" : host;
        return URI.create(scheme + "://" + apiHost + "/v2/" + image.getRepository() + path);
    }

    /** Answers a 401 challenge: Basic with the credentials, or Bearer with a token fetched using them. */
    private boolean authorize(ImageReference image, Optional<String> challenge) throws IOException, InterruptedException {
        if (challenge.isEmpty()) {
            return false;
        }
        Optional<RegistryCredentials> credentials = credentialsFor(image);
        String key = image.getRegistry() + "/" + image.getRepository();
        if (challenge.get().regionMatches(true, 0, "Basic", 0, 5)) {
            if (credentials.isEmpty()) {
                return false;
            }
            authorizationByRepository.put(key, basic(credentials.get()));
            return true;
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        Matcher matcher = CHALLENGE_PARAMETER.matcher(challenge.get());
        while (matcher.find()) {
            parameters.put(matcher.group(1), matcher.group(2));
        }
        String realm = parameters.get("realm");
        if (realm == null) {
            return false;
        }
        String scope = parameters.getOrDefault("scope", "repository:" + image.getRepository() + ":pull");
        StringBuilder tokenUri = new StringBuilder(realm).append("?scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        if (parameters.containsKey("service")) {
            tokenUri.append("&service=").append(URLEncoder.encode(parameters.get("service"), StandardCharsets.UTF_8));
        }
        HttpRequest.Builder tokenRequest = HttpRequest.newBuilder(URI.create(tokenUri.toString())).GET();
        credentials.ifPresent(given -> tokenRequest.header("Authorization", basic(given)));
        HttpResponse<byte[]> response = http.send(tokenRequest.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            return false;
        }
        JsonNode token = StoredImage.JSON.readTree(response.body());
        String value = token.hasNonNull("token") ? token.get("token").asText() : token.path("access_token").asText();
        authorizationByRepository.put(key, "Bearer " + value);
        return true;
    }

    private Optional<RegistryCredentials> credentialsFor(ImageReference image) {
        if (access.explicitCredentials().isPresent()) {
            return access.explicitCredentials();
        }
        try {
            Optional<Credential> fromDockerConfig =
                    CredentialRetrieverFactory.forImage(image, logEvent -> { }).dockerConfig().retrieve();
            return fromDockerConfig.map(found -> new RegistryCredentials(found.getUsername(), found.getPassword()));
        } catch (Exception e) {
            // an unreadable docker config means anonymous access, as docker itself would try
            return Optional.empty();
        }
    }

    private static String basic(RegistryCredentials credentials) {
        String pair = credentials.username() + ":" + credentials.password();
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String chooseLinuxAmd64(JsonNode index, String reference) {
        for (JsonNode candidate : index.path("manifests")) {
            JsonNode platform = candidate.path("platform");
            if (platform.path("os").asText().equals("linux") && platform.path("architecture").asText().equals("amd64")) {
                return candidate.path("digest").asText();
            }
        }
        throw new ImageException(reference + " is a manifest list without a linux/amd64 image");
    }

    /** An image read from a registry; layer blobs are streamed on demand. */
    static final class RegistryImageView extends StoredImage {
        private final RegistryClient client;
        private final ImageReference reference;
        private final String digest;
        private final String configDigest;
        private final List<LayerSummary> layers;
        private final JsonNode config;

        RegistryImageView(RegistryClient client, ImageReference reference, String digest, String configDigest,
                          List<LayerSummary> layers, JsonNode config) {
            this.client = client;
            this.reference = reference;
            this.digest = digest;
            this.configDigest = configDigest;
            this.layers = List.copyOf(layers);
            this.config = config;
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
            return layers;
        }

        @Override
        JsonNode config() {
            return config;
        }

        @Override
        InputStream openLayer(String layerDigest) throws IOException {
            return client.openBlob(reference, layerDigest);
        }
    }
}
