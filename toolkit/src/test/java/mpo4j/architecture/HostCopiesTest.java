package mpo4j.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Device-to-host copies in the training layers (loss, train, preference, reward) go through one counted
 * funnel, {@code mpo4j.engine.HostCopy}. A test that counts copies per step ({@code MetricTransfersTest}) can only be
 * trusted if nothing bypasses them, so this test reads every compiled class's constant pool and lists
 * the NDArray methods that read device memory it calls: in these packages none may.
 * Reading the class files (not the sources) means no formatting, alias or fully qualified name hides a call.
 */
class HostCopiesTest {
    /** NDArray methods that copy device values to the host. */
    static final Set<String> READS = Set.of("toFloatArray", "toDoubleArray", "toLongArray", "toIntArray", "toBooleanArray",
            "toByteArray", "toUint8Array", "toArray", "toByteBuffer", "toStringArray", "getFloat", "getDouble", "getLong",
            "getInt", "getBoolean", "getByte", "getUint8", "toDebugString", "toString");
    static final List<String> TRAINING_PACKAGES = List.of("mpo4j/loss/", "mpo4j/preference/", "mpo4j/train/", "mpo4j/reward/");
    static final Set<String> FUNNELS = Set.of("mpo4j/engine/HostCopy");

    @Test
    void inTheTrainingPackagesOnlyTheCountedFunnelReadsDeviceMemory() throws Exception {
        Map<String, Set<String>> readers = readers(PackageCyclesTest.classesRoot());
        Map<String, Set<String>> training = new TreeMap<>();
        readers.forEach((cls, methods) -> {
            if (TRAINING_PACKAGES.stream().anyMatch(cls::startsWith)) {
                training.put(cls, methods);
            }
        });
        // the scan sees the funnel's own reads, so it is reading what it should
        assertTrue(readers.keySet().containsAll(FUNNELS), "the funnel must show up as a reader: " + readers.keySet());
        assertEquals(Map.of(), training, "classes that read device memory without going through"
                + " mpo4j.engine.HostCopy (so the per-step copy count cannot see them): route them through it");
        // for the record: readers elsewhere in the toolkit (outside the training step's packages)
        Map<String, Set<String>> others = new TreeMap<>(readers);
        others.keySet().removeIf(cls -> TRAINING_PACKAGES.stream().anyMatch(cls::startsWith));
        System.out.println("device reads outside the training packages: " + others);
    }

    @Test
    void theScanFindsAReadInAClassFile() throws IOException {
        try (InputStream in = HostCopiesTest.class.getResourceAsStream("HostCopiesTest$Reader.class")) {
            assertEquals(Set.of("getFloat", "toDoubleArray"), deviceReads(in));
        }
    }

    /** A class that reads device memory twice, for {@link #theScanFindsAReadInAClassFile}. */
    static final class Reader {
        static double read(ai.djl.ndarray.NDArray a) {
            return a.getFloat() + a.toDoubleArray()[0];
        }
    }

    /** Class (internal name, nested classes folded into their outer class) → device-reading methods it calls. */
    static Map<String, Set<String>> readers(Path root) throws IOException {
        Map<String, Set<String>> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root.resolve("mpo4j"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = root.relativize(f).toString().replace('\\', '/').replaceAll("(\\$.*)?\\.class$", "");
                try (InputStream in = Files.newInputStream(f)) {
                    Set<String> reads = deviceReads(in);
                    if (!reads.isEmpty()) {
                        out.computeIfAbsent(name, k -> new TreeSet<>()).addAll(reads);
                    }
                }
            }
        }
        return out;
    }

    /** The {@link #READS} methods of DJL's NDArray types that a class file refers to (its method references). */
    static Set<String> deviceReads(InputStream classFile) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String[] ref : ConstantPool.read(classFile).methodRefs()) {
            String owner = ref[0];
            if (owner != null && owner.startsWith("ai/djl/") && owner.substring(owner.lastIndexOf('/') + 1).contains("NDArray")
                    && READS.contains(ref[1])) {
                out.add(ref[1]);
            }
        }
        return out;
    }
}
