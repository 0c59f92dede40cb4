package mpo4j.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
        DataInputStream in = new DataInputStream(classFile);
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classNameIndex = new int[count];
        int[] nameAndTypeName = new int[count];
        List<int[]> methodRefs = new ArrayList<>();     // {class index, name-and-type index}
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classNameIndex[i] = in.readUnsignedShort();
                case 10, 11 -> methodRefs.add(new int[] {in.readUnsignedShort(), in.readUnsignedShort()});
                case 12 -> { nameAndTypeName[i] = in.readUnsignedShort(); in.readUnsignedShort(); }
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 3, 4, 9, 17, 18 -> in.readInt();
                case 15 -> { in.readUnsignedByte(); in.readUnsignedShort(); }
                case 5, 6 -> { in.readLong(); i++; }
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        Set<String> out = new TreeSet<>();
        for (int[] ref : methodRefs) {
            String owner = utf8[classNameIndex[ref[0]]];
            String method = utf8[nameAndTypeName[ref[1]]];
            if (owner != null && owner.startsWith("ai/djl/") && owner.substring(owner.lastIndexOf('/') + 1).contains("NDArray")
                    && READS.contains(method)) {
                out.add(method);
            }
        }
        return out;
    }
}
