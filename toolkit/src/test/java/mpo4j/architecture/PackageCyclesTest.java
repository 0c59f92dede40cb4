package mpo4j.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The toolkit's packages form a layered graph without cycles. The dependencies are read from the
 * compiled classes themselves (every class a class file names in its constant pool, which covers
 * imports, fully qualified names and signatures alike), so nothing can hide from the check.
 */
class PackageCyclesTest {

    @Test
    void thereIsNoPackageCycle() throws Exception {
        Map<String, Set<String>> graph = packageGraph(classesRoot());
        assertTrue(graph.size() > 10, "read too few packages: " + graph.keySet());
        List<List<String>> cycles = stronglyConnected(graph).stream().filter(c -> c.size() > 1).toList();
        assertEquals(List.of(), cycles, "package cycles (each list is a set of packages that depend on each other):\n"
                + describe(graph, cycles));
    }

    @Test
    void theCheckFindsACycle() {
        Map<String, Set<String>> graph = new TreeMap<>();
        graph.put("a", Set.of("b"));
        graph.put("b", Set.of("c"));
        graph.put("c", Set.of("a"));
        graph.put("d", Set.of("a"));
        List<List<String>> sccs = stronglyConnected(graph);
        assertTrue(sccs.contains(List.of("a", "b", "c")), sccs.toString());
        assertTrue(sccs.contains(List.of("d")), sccs.toString());
    }

    @Test
    void theFacadeIsTheTopLayerAndTheEngineTheBottom() throws Exception {
        Map<String, Set<String>> graph = packageGraph(classesRoot());
        graph.forEach((from, to) -> assertTrue(from.equals("mpo4j") || !to.contains("mpo4j"),
                from + " depends on the facade mpo4j.Mpo, which may only delegate"));
        assertEquals(Set.of(), graph.getOrDefault("mpo4j.engine", Set.of()), "mpo4j.engine is a leaf");
    }

    static Path classesRoot() throws URISyntaxException {
        return Path.of(mpo4j.Mpo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Package → packages of mpo4j it refers to (itself excluded). */
    static Map<String, Set<String>> packageGraph(Path root) throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root.resolve("mpo4j"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String from = packageOf(root.relativize(f).toString().replace('\\', '/'));
                Set<String> to = graph.computeIfAbsent(from, k -> new TreeSet<>());
                try (InputStream in = Files.newInputStream(f)) {
                    for (String name : referencedClasses(in)) {
                        String pkg = packageOf(name);
                        if (pkg.startsWith("mpo4j") && !pkg.equals(from)) {
                            to.add(pkg);
                        }
                    }
                }
            }
        }
        return graph;
    }

    private static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash).replace('/', '.');
    }

    /**
     * Internal names of the classes a class file refers to: its CONSTANT_Class entries, plus the class
     * names inside descriptors and signatures (field and method types, generics).
     */
    static Set<String> referencedClasses(InputStream classFile) throws IOException {
        ConstantPool pool = ConstantPool.read(classFile);
        Set<String> out = new TreeSet<>();
        for (String n : pool.classNames()) {
            if (n != null && !n.startsWith("[")) {
                out.add(n);
            }
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("L(mpo4j/[\\w/$]+)[;<]").matcher("");
        for (String s : pool.strings()) {
            if (s.contains("Lmpo4j/")) {
                m.reset(s);
                while (m.find()) {
                    out.add(m.group(1));
                }
            }
        }
        return out;
    }

    /** Tarjan's strongly connected components, each sorted, in a stable order. */
    static List<List<String>> stronglyConnected(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<List<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String v : new TreeSet<>(graph.keySet())) {
            if (!index.containsKey(v)) {
                strongConnect(v, graph, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private static void strongConnect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<List<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]++);
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                strongConnect(w, graph, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> component = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            component.sort(null);
            out.add(component);
        }
    }

    private static String describe(Map<String, Set<String>> graph, List<List<String>> cycles) {
        StringBuilder sb = new StringBuilder();
        for (List<String> c : cycles) {
            for (String p : c) {
                Set<String> inside = new TreeSet<>(graph.get(p));
                inside.retainAll(c);
                sb.append("  ").append(p).append(" -> ").append(inside).append('\n');
            }
        }
        return sb.toString();
    }
}
