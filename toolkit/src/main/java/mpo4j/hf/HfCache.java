package mpo4j.hf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds models in the Hugging Face hub cache without touching the network, in the layout
 * huggingface_hub writes: {@code <cache>/models--Qwen--Qwen2.5-0.5B-Instruct/refs/main} holds a commit
 * hash, {@code snapshots/<commit>/} holds the files (symlinks into {@code blobs/}).
 *
 * <p>{@link #resolve(String, String)} accepts a local folder path (returned as is), a repo id with a
 * branch or tag (looked up in {@code refs/}) or with a 40-hex commit hash (its snapshot directly).
 * When the model is not there the error lists every place looked at and how to download it.
 */
public final class HfCache {
    /** The revision used when none is given. */
    public static final String DEFAULT_REVISION = "main";

    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final Path dir;
    private final String source;

    private HfCache(Path dir, String source) {
        this.dir = dir;
        this.source = source;
    }

    /** The cache {@code env} points at. */
    public static HfCache of(HfEnvironment env) {
        return new HfCache(env.hubCache(), env.hubCacheSource());
    }

    /** The cache of this process's environment. */
    public static HfCache system() {
        return of(HfEnvironment.system());
    }

    /** The cache folder {@code dir}. */
    public static HfCache at(Path dir) {
        return new HfCache(dir, "given folder");
    }

    /** The cache folder. */
    public Path dir() {
        return dir;
    }

    /** The folder of {@code repoId}: {@code models--org--name}. */
    public Path repoDir(String repoId) {
        checkRepoId(repoId);
        return dir.resolve("models--" + repoId.replace("/", "--"));
    }

    /** {@link #resolve(String, String)} at revision {@code main}. */
    public Path resolve(String modelOrPath) throws IOException {
        return resolve(modelOrPath, DEFAULT_REVISION);
    }

    /**
     * The folder holding {@code modelOrPath}: itself when it is an existing local folder, otherwise
     * the cached snapshot of that repo id at {@code revision}.
     *
     * @throws IOException listing every place looked at when it is in none of them
     */
    public Path resolve(String modelOrPath, String revision) throws IOException {
        Path local = Path.of(modelOrPath);
        if (Files.isDirectory(local)) {
            return local;
        }
        List<String> looked = new ArrayList<>();
        looked.add("local folder " + local.toAbsolutePath() + ": does not exist");
        if (!REPO_ID.matcher(modelOrPath).matches() || modelOrPath.contains("--") || modelOrPath.contains("..")) {
            throw new IOException("model '" + modelOrPath + "' not found: it is no local folder and no hub repo id (org/name). Looked at:\n  - "
                    + looked.get(0));
        }
        Optional<Path> found = find(modelOrPath, revision, looked);
        if (found.isPresent()) {
            return found.get();
        }
        String revisionArg = revision.equals(DEFAULT_REVISION) ? "" : " --revision " + revision;
        throw new IOException("model '" + modelOrPath + "' (revision " + revision + ") is not in the Hugging Face cache "
                + dir + " (" + source + "). Looked at:\n  - " + String.join("\n  - ", looked)
                + "\nDownload it explicitly: HfDownloader.of(env).revision(\"" + revision + "\").download(\"" + modelOrPath
                + "\") in mpo4j, or `huggingface-cli download " + modelOrPath + revisionArg + "`.");
    }

    /** The cached snapshot of {@code repoId} at {@code revision}, if there is one. */
    public Optional<Path> find(String repoId, String revision) throws IOException {
        return find(repoId, revision, new ArrayList<>());
    }

    private Optional<Path> find(String repoId, String revision, List<String> looked) throws IOException {
        Path repo = repoDir(repoId);
        String commit = revision;
        if (!COMMIT.matcher(revision).matches()) {
            Path ref = repo.resolve("refs").resolve(revision);
            if (!Files.isRegularFile(ref)) {
                looked.add(ref + ": missing");
                return Optional.empty();
            }
            commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
            if (!COMMIT.matcher(commit).matches()) {
                looked.add(ref + ": holds '" + commit + "', not a commit hash");
                return Optional.empty();
            }
        }
        Path snapshot = repo.resolve("snapshots").resolve(commit);
        if (!Files.isDirectory(snapshot)) {
            looked.add(snapshot + ": missing");
            return Optional.empty();
        }
        return Optional.of(snapshot);
    }

    static void checkRepoId(String repoId) {
        if (!REPO_ID.matcher(repoId).matches() || repoId.contains("--") || repoId.contains("..")) {
            throw new IllegalArgumentException("repo id must look like 'org/name' (letters, digits, '.', '_', '-'), got '" + repoId + "'");
        }
    }

    static boolean isCommit(String revision) {
        return COMMIT.matcher(revision).matches();
    }
}
