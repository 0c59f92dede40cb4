package mpo4j.hf;

import com.google.gson.JsonElement;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Downloads a model repository from the Hugging Face hub into the hub cache, in huggingface_hub's
 * layout, so that {@link HfCache} (and transformers) find it afterwards. Nothing in mpo4j downloads
 * implicitly: this is the one explicit way.
 *
 * <p>The protocol is the hub's: {@code GET {endpoint}/api/models/{repo}/revision/{rev}} gives the
 * commit ({@code sha}) and file list ({@code siblings[].rfilename}); for each wanted file a
 * {@code HEAD {endpoint}/{repo}/resolve/{commit}/{file}}, not following redirects to other hosts,
 * gives its {@code X-Linked-Etag} (LFS files: the sha256 of the content) or {@code ETag},
 * {@code X-Linked-Size} or {@code Content-Length}, and where the bytes are (a CDN {@code Location});
 * a {@code GET} there, following redirects, fetches them. The token ({@code HF_TOKEN}) is sent as
 * {@code Authorization: Bearer} to the endpoint's host only.
 *
 * <p>Cache layout: the bytes go to {@code blobs/<etag>.incomplete}, and are renamed to
 * {@code blobs/<etag>} once complete and checked (size; and SHA-256 for LFS files, whose etag is the
 * sha256: a mismatch deletes the partial blob and fails); {@code snapshots/<commit>/<file>} is a
 * relative symlink {@code ../../blobs/<etag>}; {@code refs/<revision>} holds the commit. A dropped
 * connection is continued with a {@code Range} request from the bytes already on disk (up to
 * {@link #maxRetries()} times, and again by the next call). Files already in the snapshot cost no
 * request at all.
 *
 * <p>Immutable: each setting has a copy method ({@code HfDownloader.of(env).allowPatterns("*.json",
 * "*.safetensors").progress(bar)}).
 */
public final class HfDownloader {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final int BUFFER = 1 << 16;

    private final HfEnvironment env;
    private final Path cacheDir;
    private final String revision;
    private final List<String> allowPatterns;
    private final DownloadProgress progress;
    private final int maxRetries;
    private final Duration timeout;

    private HfDownloader(HfEnvironment env, Path cacheDir, String revision, List<String> allowPatterns,
            DownloadProgress progress, int maxRetries, Duration timeout) {
        this.env = env;
        this.cacheDir = cacheDir;
        this.revision = revision;
        this.allowPatterns = allowPatterns;
        this.progress = progress;
        this.maxRetries = maxRetries;
        this.timeout = timeout;
    }

    /** A downloader for the hub, cache and token {@code env} names; revision {@code main}, every file. */
    public static HfDownloader of(HfEnvironment env) {
        return new HfDownloader(env, env.hubCache(), HfCache.DEFAULT_REVISION, List.of(), DownloadProgress.NONE, 5,
                Duration.ofSeconds(30));
    }

    /** {@link #of(HfEnvironment)} with this process's environment. */
    public static HfDownloader fromEnvironment() {
        return of(HfEnvironment.system());
    }

    /** The branch, tag or commit to download. */
    public String revision() {
        return revision;
    }

    /** The glob patterns a file must match one of to be downloaded (empty: all files). */
    public List<String> allowPatterns() {
        return allowPatterns;
    }

    /** How often a dropped transfer is resumed within one call. */
    public int maxRetries() {
        return maxRetries;
    }

    /** The cache folder files are stored in. */
    public Path cacheDir() {
        return cacheDir;
    }

    /** A copy downloading {@code revision} (branch, tag or 40-hex commit). */
    public HfDownloader revision(String revision) {
        if (revision == null || revision.isBlank() || revision.contains("..")) {
            throw new IllegalArgumentException("revision must be a branch, tag or commit hash, got '" + revision + "'");
        }
        return new HfDownloader(env, cacheDir, revision, allowPatterns, progress, maxRetries, timeout);
    }

    /**
     * A copy downloading only files matching one of {@code patterns}, huggingface_hub's
     * {@code allow_patterns}: {@code *} matches any characters including {@code /}, {@code ?} one,
     * a pattern ending in {@code /} matches everything below that folder.
     */
    public HfDownloader allowPatterns(String... patterns) {
        for (String p : patterns) {
            if (p == null || p.isEmpty()) {
                throw new IllegalArgumentException("allow_patterns must not contain empty patterns");
            }
        }
        return new HfDownloader(env, cacheDir, revision, List.of(patterns), progress, maxRetries, timeout);
    }

    /** A copy reporting per-file progress to {@code progress}. */
    public HfDownloader progress(DownloadProgress progress) {
        if (progress == null) {
            throw new IllegalArgumentException("progress must not be null; use DownloadProgress.NONE");
        }
        return new HfDownloader(env, cacheDir, revision, allowPatterns, progress, maxRetries, timeout);
    }

    /** A copy resuming a dropped transfer up to {@code retries} times per file. */
    public HfDownloader maxRetries(int retries) {
        if (retries < 0) {
            throw new IllegalArgumentException("max_retries must be >= 0, got " + retries);
        }
        return new HfDownloader(env, cacheDir, revision, allowPatterns, progress, retries, timeout);
    }

    /** A copy storing into the hub cache folder {@code dir}. */
    public HfDownloader cacheDir(Path dir) {
        return new HfDownloader(env, dir, revision, allowPatterns, progress, maxRetries, timeout);
    }

    /** A copy waiting at most {@code timeout} to connect and for each response. */
    public HfDownloader timeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        return new HfDownloader(env, cacheDir, revision, allowPatterns, progress, maxRetries, timeout);
    }

    /**
     * Downloads the wanted files of {@code repoId} at {@link #revision()} into the cache.
     *
     * @return the snapshot folder, ready for {@link HfModelFolder#open}
     * @throws IOException naming the repo and file on HTTP errors, checksum or size mismatches
     */
    public Path download(String repoId) throws IOException {
        HfCache.checkRepoId(repoId);
        if (env.offline()) {
            throw new IOException("HF_HUB_OFFLINE is set: not downloading " + repoId);
        }
        HfCache cache = HfCache.at(cacheDir);
        Path repoDir = cache.repoDir(repoId);
        HttpClient direct = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
        HttpClient following = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        RepoInfo info = repoInfo(direct, repoId);
        Path snapshot = repoDir.resolve("snapshots").resolve(info.commit());
        for (String file : info.files()) {
            if (!allowed(file)) {
                continue;
            }
            Path pointer = snapshot.resolve(file).normalize();
            if (!pointer.startsWith(snapshot)) {
                throw new IOException(repoId + ": refusing file name '" + file + "' that leaves the snapshot folder");
            }
            if (Files.exists(pointer)) {
                continue; // the snapshot of a commit never changes: cached files need no request
            }
            downloadFile(direct, following, repoId, info.commit(), file, repoDir, pointer);
        }
        Files.createDirectories(snapshot);
        if (!revision.equals(info.commit())) {
            Path ref = repoDir.resolve("refs").resolve(revision);
            Files.createDirectories(ref.getParent());
            Path temp = ref.resolveSibling("." + ref.getFileName() + ".tmp-" + UUID.randomUUID());
            Files.writeString(temp, info.commit(), StandardCharsets.UTF_8);
            Files.move(temp, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return snapshot;
    }

    // ---- repo info -----------------------------------------------------------------------------------

    private record RepoInfo(String commit, List<String> files) {}

    private RepoInfo repoInfo(HttpClient client, String repoId) throws IOException {
        String url = env.endpoint() + "/api/models/" + repoId + "/revision/" + encode(revision, false);
        HttpResponse<String> response = send(client, request(url, "GET").build(), HttpResponse.BodyHandlers.ofString(), url);
        if (response.statusCode() != 200) {
            throw httpError(response.statusCode(), "repo '" + repoId + "' at revision '" + revision + "'", url);
        }
        HfConfig json = HfConfig.parse(url, response.body());
        String commit = json.getString("sha");
        if (!HfCache.isCommit(commit)) {
            throw new IOException(url + ": sha '" + commit + "' is not a commit hash");
        }
        JsonElement siblings = json.json().get("siblings");
        if (siblings == null || !siblings.isJsonArray()) {
            throw new IOException(url + ": the answer has no file list ('siblings')");
        }
        List<String> files = new ArrayList<>();
        for (JsonElement sibling : siblings.getAsJsonArray()) {
            JsonElement name = sibling.isJsonObject() ? sibling.getAsJsonObject().get("rfilename") : null;
            if (name == null || !name.isJsonPrimitive()) {
                throw new IOException(url + ": a 'siblings' entry has no 'rfilename': " + sibling);
            }
            files.add(name.getAsString());
        }
        return new RepoInfo(commit, files);
    }

    // ---- one file ----------------------------------------------------------------------------------

    private record FileMetadata(String etag, long size, String location) {}

    private void downloadFile(HttpClient direct, HttpClient following, String repoId, String commit, String file,
            Path repoDir, Path pointer) throws IOException {
        String what = "repo '" + repoId + "' file '" + file + "'";
        FileMetadata meta = metadata(direct, repoId, commit, file, what);
        Path blob = repoDir.resolve("blobs").resolve(meta.etag());
        if (!blob.normalize().startsWith(repoDir.resolve("blobs")) || meta.etag().contains("/")) {
            throw new IOException(what + ": server sent an unusable etag '" + meta.etag() + "'");
        }
        if (!Files.exists(blob)) {
            Files.createDirectories(blob.getParent());
            Path incomplete = blob.resolveSibling(meta.etag() + ".incomplete");
            fetch(following, meta, incomplete, file, what);
            verify(meta, incomplete, what);
            Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        link(blob, pointer);
    }

    private FileMetadata metadata(HttpClient client, String repoId, String commit, String file, String what) throws IOException {
        String url = env.endpoint() + "/" + repoId + "/resolve/" + commit + "/" + encode(file, true);
        for (int hops = 0; hops < 10; hops++) {
            HttpRequest head = request(url, "HEAD").header("Accept-Encoding", "identity").build();
            HttpResponse<Void> response = send(client, head, HttpResponse.BodyHandlers.discarding(), url);
            int status = response.statusCode();
            URI here = URI.create(url);
            Optional<String> location = response.headers().firstValue("Location").map(l -> here.resolve(l).toString());
            boolean redirect = status >= 300 && status < 400 && location.isPresent();
            if (redirect && sameHost(location.get(), url) && !response.headers().firstValue("X-Linked-Etag").isPresent()) {
                url = location.get(); // a renamed repo: follow relative redirects on the hub itself
                continue;
            }
            if (status != 200 && !redirect) {
                throw httpError(status, what + " at revision '" + revision + "'", url);
            }
            String etag = response.headers().firstValue("X-Linked-Etag").or(() -> response.headers().firstValue("ETag"))
                    .map(HfDownloader::normalizeEtag)
                    .orElseThrow(() -> new IOException(what + ": the hub sent no ETag (is HF_ENDPOINT a Hugging Face hub?)"));
            long size = response.headers().firstValue("X-Linked-Size").or(() -> response.headers().firstValue("Content-Length"))
                    .map(Long::parseLong).orElse(-1L);
            return new FileMetadata(etag, size, redirect ? location.get() : url);
        }
        throw new IOException(what + ": too many redirects from " + url);
    }

    /** Fetches into {@code incomplete}, resuming from what is already there. */
    private void fetch(HttpClient client, FileMetadata meta, Path incomplete, String file, String what) throws IOException {
        for (int attempt = 0; ; attempt++) {
            long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
            if (meta.size() >= 0 && have > meta.size()) {
                Files.delete(incomplete); // longer than the file: not a prefix of it
                have = 0;
            }
            if (meta.size() >= 0 && have == meta.size()) {
                progress.update(file, have, meta.size());
                return;
            }
            HttpRequest.Builder get = request(meta.location(), "GET").header("Accept-Encoding", "identity");
            if (have > 0) {
                get.header("Range", "bytes=" + have + "-");
            }
            try {
                HttpResponse<InputStream> response = send(client, get.build(), HttpResponse.BodyHandlers.ofInputStream(), meta.location());
                try (InputStream body = response.body()) {
                    int status = response.statusCode();
                    if (status != 200 && status != 206) {
                        throw new HttpStatusException(httpError(status, what, meta.location()).getMessage());
                    }
                    copy(response, body, incomplete, status == 206 ? have : 0, meta.size(), file);
                }
                return;
            } catch (HttpStatusException e) {
                throw e;
            } catch (IOException e) {
                if (attempt >= maxRetries) {
                    long kept = Files.exists(incomplete) ? Files.size(incomplete) : 0;
                    throw new IOException(what + ": transfer interrupted (" + e.getMessage() + "); the " + kept
                            + " bytes received are kept in " + incomplete + " and the next download continues from there", e);
                }
                // a dropped connection: go round again, asking for the rest with a Range request
            }
        }
    }

    /** An HTTP error status: not worth a retry, unlike a dropped connection. */
    private static final class HttpStatusException extends IOException {
        HttpStatusException(String message) {
            super(message);
        }
    }

    private void copy(HttpResponse<InputStream> response, InputStream body, Path incomplete, long from, long size, String file)
            throws IOException {
        long done = from;
        long total = size >= 0 ? size : response.headers().firstValueAsLong("Content-Length").stream().map(n -> n + from).findFirst().orElse(-1L);
        progress.update(file, done, total);
        try (OutputStream out = Files.newOutputStream(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                from > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buffer = new byte[BUFFER];
            for (int n; (n = body.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                done += n;
                progress.update(file, done, total);
            }
        }
    }

    private static void verify(FileMetadata meta, Path incomplete, String what) throws IOException {
        long size = Files.size(incomplete);
        if (meta.size() >= 0 && size != meta.size()) {
            Files.deleteIfExists(incomplete);
            throw new IOException(what + ": expected " + meta.size() + " bytes, received " + size + "; the partial blob was deleted");
        }
        if (SHA256.matcher(meta.etag()).matches()) {
            String actual = sha256(incomplete);
            if (!actual.equals(meta.etag())) {
                Files.deleteIfExists(incomplete);
                throw new IOException(what + ": sha256 mismatch: expected " + meta.etag() + ", got " + actual
                        + "; the blob was not installed");
            }
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[BUFFER];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** {@code pointer} -> {@code blob} as a relative symlink (a copy where symlinks are not allowed). */
    private static void link(Path blob, Path pointer) throws IOException {
        Files.createDirectories(pointer.getParent());
        Path temp = pointer.resolveSibling("." + pointer.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            try {
                Files.createSymbolicLink(temp, pointer.getParent().relativize(blob));
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(blob, temp);
            }
            Files.move(temp, pointer, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    // ---- HTTP helpers --------------------------------------------------------------------------------

    private HttpRequest.Builder request(String url, String method) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).method(method, HttpRequest.BodyPublishers.noBody())
                .header("User-Agent", "mpo4j");
        Optional<String> token = env.token();
        if (token.isPresent() && sameHost(url, env.endpoint())) {
            b.header("Authorization", "Bearer " + token.get());
        }
        return b;
    }

    private static <T> HttpResponse<T> send(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler, String url)
            throws IOException {
        try {
            return client.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while requesting " + url, e);
        }
    }

    private IOException httpError(int status, String what, String url) {
        String hint = switch (status) {
            case 401, 403 -> env.token().isPresent() ? " (the token in HF_TOKEN has no access to it)"
                    : " (private or gated: set HF_TOKEN to a token with access)";
            case 404 -> " (not found: check the repo id, revision and file name)";
            default -> "";
        };
        return new IOException("HTTP " + status + " for " + what + " from " + url + hint);
    }

    private static boolean sameHost(String a, String b) {
        URI x = URI.create(a);
        URI y = URI.create(b);
        return x.getHost() != null && x.getHost().equalsIgnoreCase(y.getHost()) && x.getPort() == y.getPort()
                && String.valueOf(x.getScheme()).equalsIgnoreCase(String.valueOf(y.getScheme()));
    }

    static String normalizeEtag(String etag) {
        String e = etag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }

    /** Percent-encodes a URL path part; {@code keepSlashes} as Python's {@code quote(filename)}. */
    static String encode(String text, boolean keepSlashes) {
        String encoded = URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
        return keepSlashes ? encoded.replace("%2F", "/") : encoded;
    }

    boolean allowed(String file) {
        if (allowPatterns.isEmpty()) {
            return true;
        }
        for (String pattern : allowPatterns) {
            String p = pattern.endsWith("/") ? pattern + "*" : pattern;
            if (glob(p).matcher(file).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Python's {@code fnmatch} translation: {@code *} is any run of characters, {@code /} included. */
    static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                case '[' -> {
                    int close = pattern.indexOf(']', i + 2);
                    if (close < 0) {
                        regex.append("\\[");
                    } else {
                        String set = pattern.substring(i + 1, close).replace("\\", "\\\\");
                        regex.append('[').append(set.startsWith("!") ? "^" + set.substring(1) : set).append(']');
                        i = close;
                    }
                }
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }
}
