package mpo4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The mapping covers exactly TRL's keys, and docs/dpo-config.md is generated from it. */
class DpoConfigKeysTest {
    private static final Path DOC = Path.of("..", "docs", "dpo-config.md");

    @Test
    void everyTrlKeyHasAnEntryAndNoOtherKeyDoes() throws IOException {
        Set<String> trl = new TreeSet<>(TrlBundleTest.trlFields());
        Set<String> mapped = DpoConfigKeys.all().stream().map(DpoConfigKeys.Key::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(trl, mapped);
        for (DpoConfigKeys.Key k : DpoConfigKeys.all()) {
            assertTrue(k.status() == DpoConfigKeys.Status.MAPPED ? !k.mpo4j().isEmpty() : !k.note().isEmpty(),
                    k.name() + ": a mapped key names its mpo4j setting, any other key gives its reason");
        }
    }

    @Test
    void closestKeySuggestion() {
        // "learnig_rate" -> "learning_rate": one insertion
        assertEquals("learning_rate", DpoConfigKeys.closest("learnig_rate"));
        assertEquals(1, DpoConfigKeys.editDistance("learnig_rate", "learning_rate"));
        // "lr_scheduler": 5 insertions to lr_scheduler_type, 7 to lr_scheduler_kwargs
        assertEquals("lr_scheduler_type", DpoConfigKeys.closest("lr_scheduler"));
        assertEquals(5, DpoConfigKeys.editDistance("lr_scheduler", "lr_scheduler_type"));
        assertEquals(3, DpoConfigKeys.editDistance("kitten", "sitting"));
    }

    /** Regenerate with {@code -Dmpo4j.writeDocs=true}. */
    @Test
    void docsTableIsGeneratedFromTheMapping() throws IOException {
        String expected = DpoConfigKeys.markdown();
        if (Boolean.getBoolean("mpo4j.writeDocs")) Files.writeString(DOC, expected);
        assertEquals(expected, Files.readString(DOC), "docs/dpo-config.md is stale: run DpoConfigKeysTest with -Dmpo4j.writeDocs=true");
        for (DpoConfigKeys.Key k : DpoConfigKeys.all()) assertTrue(expected.contains("| `" + k.name() + "` |"), k.name());
    }
}
