package mpo4j.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.model.CausalLm;
import mpo4j.model.InternVlChatModel;
import mpo4j.model.ModelLoader;
import mpo4j.model.TinyCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ModelLoader.load(repoId, download)} against a hub on 127.0.0.1 serving a tiny InternVL3
 * checkpoint: the first call downloads into the cache layout and loads, a second call with
 * {@code download} false finds it offline and requests nothing.
 */
class LoadWithDownloadTest {

    static {
        Mpo4jEngine.ensureOffline();
    }

    @TempDir
    Path tmp;

    @Test
    void downloadsOnlyWhenAskedAndThenLoadsFromTheCache() throws IOException {
        Path checkpoint = TinyCheckpoints.internVl3().tiles(8, 2).visionWidth(8).llmWidth(16).write(tmp.resolve("checkpoint"));
        try (FakeHub hub = new FakeHub(); Stream<Path> files = Files.list(checkpoint)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                hub.file(name, Files.readAllBytes(f), name.endsWith(".safetensors"));
            }
            HfEnvironment env = new HfEnvironment(Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HUB_CACHE", tmp.resolve("hub").toString()), tmp);
            try (CausalLm model = ModelLoader.load(FakeHub.REPO, true, env)) {
                assertInstanceOf(InternVlChatModel.class, model);
            }
            Path snapshot = tmp.resolve("hub/models--org--tiny/snapshots").resolve(FakeHub.COMMIT);
            for (String name : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
                assertArrayEquals(Files.readAllBytes(checkpoint.resolve(name)), Files.readAllBytes(snapshot.resolve(name)), name);
            }
            int requests = hub.requests.size();
            assertTrue(requests > 0);
            try (CausalLm again = ModelLoader.load(FakeHub.REPO, false, env)) {
                assertEquals(4, again.vision().orElseThrow().tokensPerTile());
            }
            assertEquals(requests, hub.requests.size(), "a cached model loads without any request");
        }
    }
}
