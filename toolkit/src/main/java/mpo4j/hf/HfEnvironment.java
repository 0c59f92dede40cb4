package mpo4j.hf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The environment variables huggingface_hub reads, passed in rather than read from the process, so
 * that tests (and notebooks) can point mpo4j at another cache or hub.
 *
 * <p>Cache folder: {@code HF_HUB_CACHE}, else the legacy {@code HUGGINGFACE_HUB_CACHE}, else
 * {@code $HF_HOME/hub}, else {@code $XDG_CACHE_HOME/huggingface/hub}, else
 * {@code ~/.cache/huggingface/hub}. Endpoint: {@code HF_ENDPOINT}, default
 * {@code https://huggingface.co}. Token: {@code HF_TOKEN}, else the file {@code HF_TOKEN_PATH}, else
 * {@code $HF_HOME/token} (where {@code huggingface-cli login} stores it). {@code HF_HUB_OFFLINE=1}
 * forbids downloads.
 *
 * @param variables the environment variables
 * @param userHome the folder {@code ~} stands for
 */
public record HfEnvironment(Map<String, String> variables, Path userHome) {
    /** The default endpoint. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    /** Copies {@code variables}. */
    public HfEnvironment {
        variables = Map.copyOf(variables);
    }

    /** This process's environment and {@code user.home}. */
    public static HfEnvironment system() {
        return new HfEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** The value of {@code name}, when set and not blank. */
    public Optional<String> get(String name) {
        String value = variables.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    /** The hub cache folder (holding {@code models--org--name} folders). */
    public Path hubCache() {
        return get("HF_HUB_CACHE").or(() -> get("HUGGINGFACE_HUB_CACHE")).map(this::expand)
                .orElseGet(() -> hfHome().resolve("hub"));
    }

    /** Which setting chose {@link #hubCache()}, for messages. */
    public String hubCacheSource() {
        if (get("HF_HUB_CACHE").isPresent()) {
            return "HF_HUB_CACHE";
        }
        if (get("HUGGINGFACE_HUB_CACHE").isPresent()) {
            return "HUGGINGFACE_HUB_CACHE";
        }
        if (get("HF_HOME").isPresent()) {
            return "$HF_HOME/hub";
        }
        return get("XDG_CACHE_HOME").isPresent() ? "$XDG_CACHE_HOME/huggingface/hub" : "the default ~/.cache/huggingface/hub";
    }

    /** {@code HF_HOME}, default {@code $XDG_CACHE_HOME/huggingface} or {@code ~/.cache/huggingface}. */
    public Path hfHome() {
        return get("HF_HOME").map(this::expand).orElseGet(() ->
                get("XDG_CACHE_HOME").map(this::expand).orElseGet(() -> userHome.resolve(".cache")).resolve("huggingface"));
    }

    /** The hub URL without a trailing slash. */
    public String endpoint() {
        String endpoint = get("HF_ENDPOINT").orElse(DEFAULT_ENDPOINT);
        return endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    }

    /** The access token, when one is configured. */
    public Optional<String> token() {
        Optional<String> token = get("HF_TOKEN").or(() -> get("HUGGING_FACE_HUB_TOKEN"));
        if (token.isPresent()) {
            return token;
        }
        Path file = get("HF_TOKEN_PATH").map(this::expand).orElseGet(() -> hfHome().resolve("token"));
        try {
            if (Files.isRegularFile(file)) {
                String stored = Files.readString(file).trim();
                return stored.isEmpty() ? Optional.empty() : Optional.of(stored);
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Whether {@code HF_HUB_OFFLINE} is set to a true value. */
    public boolean offline() {
        return get("HF_HUB_OFFLINE").map(v -> v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes")
                || v.equalsIgnoreCase("on")).orElse(false);
    }

    private Path expand(String path) {
        if (path.equals("~")) {
            return userHome;
        }
        return path.startsWith("~/") ? userHome.resolve(path.substring(2)) : Path.of(path);
    }
}
