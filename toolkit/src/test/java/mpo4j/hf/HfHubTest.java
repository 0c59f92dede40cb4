package mpo4j.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfHubTest {
    private static final String QWEN = "Qwen/Qwen2.5-0.5B-Instruct";
    private static final String COMMIT = "7ae557604adf67be50417f59c2c2f167def9a775";

    @TempDir
    Path tmp;

    @BeforeAll
    static void offline() {
        Mpo4jEngine.ensureOffline();
    }

    @Test
    void cacheFolderFollowsHuggingFaceHubsVariables() {
        Path home = tmp.resolve("home");
        assertEquals(home.resolve(".cache/huggingface/hub"), new HfEnvironment(Map.of(), home).hubCache());
        assertEquals(Path.of("/x/hf/hub"), new HfEnvironment(Map.of("HF_HOME", "/x/hf"), home).hubCache());
        assertEquals(Path.of("/xdg/huggingface/hub"), new HfEnvironment(Map.of("XDG_CACHE_HOME", "/xdg"), home).hubCache());
        assertEquals(Path.of("/c"), new HfEnvironment(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/x/hf"), home).hubCache());
        assertEquals(home.resolve("c"), new HfEnvironment(Map.of("HF_HUB_CACHE", "~/c"), home).hubCache());
        assertEquals("https://huggingface.co", new HfEnvironment(Map.of(), home).endpoint());
        assertEquals("http://127.0.0.1:9", new HfEnvironment(Map.of("HF_ENDPOINT", "http://127.0.0.1:9/"), home).endpoint());
        assertEquals("tok", new HfEnvironment(Map.of("HF_TOKEN", "tok"), home).token().orElseThrow());
        assertTrue(new HfEnvironment(Map.of(), home).token().isEmpty());
    }

    @Test
    void resolvesRepoIdsCommitsAndLocalFoldersWithoutNetwork() throws IOException {
        Path cacheDir = tmp.resolve("hub");
        Path repo = cacheDir.resolve("models--Qwen--Qwen2.5-0.5B-Instruct");
        Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(COMMIT));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), COMMIT);
        HfCache cache = HfCache.of(new HfEnvironment(Map.of("HF_HUB_CACHE", cacheDir.toString()), tmp));
        assertEquals(snapshot, cache.resolve(QWEN));
        assertEquals(snapshot, cache.resolve(QWEN, COMMIT));
        Path local = Files.createDirectories(tmp.resolve("my-model"));
        assertEquals(local, cache.resolve(local.toString()));

        IOException e = assertThrows(IOException.class, () -> cache.resolve("Qwen/Qwen3-0.6B"));
        assertEquals("model 'Qwen/Qwen3-0.6B' (revision main) is not in the Hugging Face cache " + cacheDir + " (HF_HUB_CACHE). Looked at:\n"
                + "  - local folder " + Path.of("Qwen/Qwen3-0.6B").toAbsolutePath() + ": does not exist\n"
                + "  - " + cacheDir.resolve("models--Qwen--Qwen3-0.6B/refs/main") + ": missing\n"
                + "Download it explicitly: HfDownloader.of(env).revision(\"main\").download(\"Qwen/Qwen3-0.6B\") in mpo4j, "
                + "or `huggingface-cli download Qwen/Qwen3-0.6B`.", e.getMessage());
        String other = "0000000000000000000000000000000000000000";
        e = assertThrows(IOException.class, () -> cache.resolve(QWEN, other));
        assertTrue(e.getMessage().contains("  - " + repo.resolve("snapshots").resolve(other) + ": missing\n"), e.getMessage());
    }

    private static byte[] tinyCheckpoint(Path scratch) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.arange(64f).reshape(8, 8);
            SafetensorsWriter.defaults().write(scratch, Map.of("model.norm.weight", w));
            return Files.readAllBytes(scratch.resolve("model.safetensors"));
        }
    }

    private FakeHub hub() throws IOException {
        FakeHub hub = new FakeHub();
        hub.file("config.json", "{\"hidden_size\": 8}".getBytes(StandardCharsets.UTF_8), false);
        hub.file("model.safetensors", tinyCheckpoint(Files.createDirectories(tmp.resolve("scratch"))), true);
        hub.file("README.md", "# tiny".getBytes(StandardCharsets.UTF_8), false);
        return hub;
    }

    private HfDownloader downloader(FakeHub hub) {
        HfEnvironment env = new HfEnvironment(Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HUB_CACHE", tmp.resolve("hub").toString(),
                "HF_TOKEN", "secret"), tmp);
        return HfDownloader.of(env).allowPatterns("*.json", "*.safetensors");
    }

    private Path repoDir() {
        return tmp.resolve("hub/models--org--tiny");
    }

    private List<String> blobs() throws IOException {
        try (Stream<Path> s = Files.list(repoDir().resolve("blobs"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void downloadsIntoTheHubLayoutAndTheSecondCallRequestsNoFile() throws IOException {
        try (FakeHub hub = hub()) {
            List<String> progress = Collections.synchronizedList(new ArrayList<>());
            Path snapshot = downloader(hub).progress((f, done, total) -> progress.add(f + " " + done + "/" + total)).download(FakeHub.REPO);
            assertEquals(repoDir().resolve("snapshots").resolve(FakeHub.COMMIT), snapshot);
            assertEquals(FakeHub.COMMIT, Files.readString(repoDir().resolve("refs/main")));
            byte[] weights = hub.files.get("model.safetensors");
            String sha = FakeHub.sha256(weights);
            String configEtag = FakeHub.gitSha1(hub.files.get("config.json"));
            assertEquals(Path.of("../../blobs/" + sha), Files.readSymbolicLink(snapshot.resolve("model.safetensors")));
            assertEquals(Path.of("../../blobs/" + configEtag), Files.readSymbolicLink(snapshot.resolve("config.json")));
            assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
            assertFalse(Files.exists(snapshot.resolve("README.md"))); // not in allow_patterns
            assertEquals(List.of(configEtag, sha).stream().sorted().toList(), blobs());
            assertTrue(progress.contains("model.safetensors " + weights.length + "/" + weights.length), progress.toString());
            assertTrue(hub.authorizations.stream().allMatch("Bearer secret"::equals), hub.authorizations.toString());
            assertEquals(List.of("HEAD /org/tiny/resolve/" + FakeHub.COMMIT + "/config.json",
                    "GET /org/tiny/resolve/" + FakeHub.COMMIT + "/config.json",
                    "HEAD /org/tiny/resolve/" + FakeHub.COMMIT + "/model.safetensors",
                    "GET /cdn/" + sha), hub.fileRequests());
            // the result opens as a model folder and resolves from the cache alone
            try (NDManager m = NDManager.newBaseManager()) {
                HfModelFolder folder = HfModelFolder.open(snapshot);
                assertEquals(8, folder.config().getInt("hidden_size"));
                assertEquals(63f, folder.loadFloat32("model.norm.weight", m).getFloat(7, 7));
            }
            assertEquals(snapshot, HfCache.at(tmp.resolve("hub")).resolve(FakeHub.REPO));

            hub.requests.clear();
            assertEquals(snapshot, downloader(hub).download(FakeHub.REPO));
            assertEquals(List.of(), hub.fileRequests());
            assertEquals(List.of("GET /api/models/org/tiny/revision/main"), hub.requests);
        }
    }

    @Test
    void aDroppedConnectionIsResumedWithARangeRequest() throws IOException {
        try (FakeHub hub = hub()) {
            byte[] weights = hub.files.get("model.safetensors");
            String sha = FakeHub.sha256(weights);
            int half = weights.length / 2;
            hub.dropsLeft = 1;
            Path snapshot = downloader(hub).download(FakeHub.REPO);
            assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
            assertEquals(List.of("GET /cdn/" + sha, "GET /cdn/" + sha + " bytes=" + half + "-"),
                    hub.fileRequests().stream().filter(r -> r.startsWith("GET /cdn/")).toList());
            assertFalse(blobs().stream().anyMatch(b -> b.endsWith(".incomplete")));
        }
    }

    @Test
    void anInterruptedCallKeepsThePartialBlobAndTheNextCallContinues() throws IOException {
        try (FakeHub hub = hub()) {
            byte[] weights = hub.files.get("model.safetensors");
            String sha = FakeHub.sha256(weights);
            int half = weights.length / 2;
            hub.dropsLeft = 1;
            IOException e = assertThrows(IOException.class, () -> downloader(hub).maxRetries(0).download(FakeHub.REPO));
            Path incomplete = repoDir().resolve("blobs").resolve(sha + ".incomplete");
            assertTrue(e.getMessage().startsWith("repo 'org/tiny' file 'model.safetensors': transfer interrupted ("), e.getMessage());
            assertTrue(e.getMessage().endsWith("the " + half + " bytes received are kept in " + incomplete
                    + " and the next download continues from there"), e.getMessage());
            assertEquals(half, Files.size(incomplete));
            List<String> progress = Collections.synchronizedList(new ArrayList<>());
            Path snapshot = downloader(hub).progress((f, done, total) -> progress.add(f + " " + done + "/" + total)).download(FakeHub.REPO);
            assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
            assertTrue(hub.requests.contains("GET /cdn/" + sha + " bytes=" + half + "-"), hub.requests.toString());
            assertEquals("model.safetensors " + half + "/" + weights.length, progress.get(0)); // starts from the kept bytes
        }
    }

    @Test
    void aChecksumMismatchFailsAndInstallsNothing() throws IOException {
        try (FakeHub hub = hub()) {
            hub.corrupt = true;
            String sha = FakeHub.sha256(hub.files.get("model.safetensors"));
            IOException e = assertThrows(IOException.class, () -> downloader(hub).download(FakeHub.REPO));
            assertTrue(e.getMessage().startsWith("repo 'org/tiny' file 'model.safetensors': sha256 mismatch: expected " + sha + ", got "),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("; the blob was not installed"), e.getMessage());
            assertFalse(blobs().stream().anyMatch(b -> b.startsWith(sha)), blobs().toString());
            assertFalse(Files.exists(repoDir().resolve("snapshots").resolve(FakeHub.COMMIT).resolve("model.safetensors")));
        }
    }

    @Test
    void notFoundNamesTheRepoAndTheFile() throws IOException {
        try (FakeHub hub = hub()) {
            hub.missing.add("generation_config.json");
            IOException e = assertThrows(IOException.class, () -> downloader(hub).download(FakeHub.REPO));
            assertEquals("HTTP 404 for repo 'org/tiny' file 'generation_config.json' at revision 'main' from " + hub.endpoint()
                    + "/org/tiny/resolve/" + FakeHub.COMMIT + "/generation_config.json (not found: check the repo id, revision and file name)",
                    e.getMessage());
            e = assertThrows(IOException.class, () -> downloader(hub).download("org/other"));
            assertEquals("HTTP 404 for repo 'org/other' at revision 'main' from " + hub.endpoint()
                    + "/api/models/org/other/revision/main (not found: check the repo id, revision and file name)", e.getMessage());
        }
    }

    @Test
    void allowPatternsMatchLikeFnmatch() {
        HfDownloader d = HfDownloader.of(new HfEnvironment(Map.of(), tmp)).allowPatterns("*.json", "onnx/", "model-0000?-of-*.safetensors");
        assertTrue(d.allowed("config.json"));
        assertTrue(d.allowed("sub/tokenizer.json")); // * crosses '/' as in fnmatch
        assertTrue(d.allowed("onnx/model.onnx"));
        assertTrue(d.allowed("model-00001-of-00002.safetensors"));
        assertFalse(d.allowed("model.safetensors"));
        assertFalse(d.allowed("README.md"));
        assertTrue(HfDownloader.of(new HfEnvironment(Map.of(), tmp)).allowed("anything"));
    }
}
