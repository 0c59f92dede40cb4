package mpo4j.kernel;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The Javadoc summary (first sentence) of a class or member whose source is on this machine, for the
 * Shift-Tab tooltip. JShell finds documentation only in the JDK's {@code src.zip}; the toolkit's own
 * sources sit next to its jar in a checkout ({@code toolkit/src/main/java} beside {@code toolkit/target}),
 * under {@code -Dmpo4j.home}, or wherever {@code -Dmpo4j.sources} (a path list) says.
 *
 * <p>Works from JShell's signature text ({@code PreferenceTrainer mpo4j.Mpo.trainer(TinyVlm model)},
 * {@code Split<T> Dataset<T>.split(double trainRatio)}, {@code mpo4j.train.TrainRun}): the declaring
 * class is resolved by {@code resolve} (JShell's imports), the member matched by name and parameter types.
 */
final class SourceJavadoc {
    private final Function<String, Optional<Class<?>>> resolve;
    private final Map<Path, Optional<CompilationUnitTree>> parsed = new ConcurrentHashMap<>();
    private final Map<Path, DocTrees> docTrees = new ConcurrentHashMap<>();

    /** {@code resolve} turns a class name as JShell wrote it (simple or qualified) into a class. */
    SourceJavadoc(Function<String, Optional<Class<?>>> resolve) {
        this.resolve = resolve;
    }

    /** The summary sentence for a JShell signature, or empty when there is no source or no comment. */
    Optional<String> summary(String signature) {
        try {
            return find(signature);
        } catch (RuntimeException e) {
            return Optional.empty(); // a tooltip without documentation beats a failed inspect request
        }
    }

    private Optional<String> find(String signature) {
        int paren = signature.indexOf('(');
        String head = (paren < 0 ? signature : signature.substring(0, paren)).strip();
        String qualified = head.substring(head.lastIndexOf(' ') + 1);
        List<String> params = paren < 0 ? null : parameterTypes(signature.substring(paren + 1, signature.lastIndexOf(')')));
        String owner;
        String member;
        if (params == null) {
            owner = qualified; // a type
            member = null;
        } else {
            int dot = lastDotOutsideGenerics(qualified);
            owner = dot < 0 ? qualified : qualified.substring(0, dot);
            member = dot < 0 ? qualified : qualified.substring(dot + 1);
        }
        Optional<Class<?>> type = resolve.apply(eraseGenerics(owner));
        if (type.isEmpty()) {
            return Optional.empty();
        }
        Class<?> c = type.get();
        if (params != null && member.equals(c.getSimpleName()) && owner.equals(qualified)) {
            member = "<init>"; // a constructor: "LiveTraining(String label)" has no separate owner
        }
        Class<?> top = c;
        List<String> nesting = new ArrayList<>();
        nesting.add(0, c.getSimpleName());
        while (top.getEnclosingClass() != null) {
            top = top.getEnclosingClass();
            nesting.add(0, top.getSimpleName());
        }
        Optional<Path> source = sourceOf(top);
        if (source.isEmpty()) {
            return Optional.empty();
        }
        Optional<CompilationUnitTree> unit = parsed.computeIfAbsent(source.get(), this::parse);
        if (unit.isEmpty()) {
            return Optional.empty();
        }
        TreePath found = locate(unit.get(), nesting, member, params);
        if (found == null) {
            return Optional.empty();
        }
        DocCommentTree doc = docTrees.get(source.get()).getDocCommentTree(found);
        if (doc == null || doc.getFirstSentence().isEmpty()) {
            return Optional.empty();
        }
        StringBuilder text = new StringBuilder();
        doc.getFirstSentence().forEach(t -> text.append(t));
        return Optional.of(plain(text.toString()));
    }

    private Optional<CompilationUnitTree> parse(Path file) {
        try {
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8);
            JavacTask task = (JavacTask) javac.getTask(null, files, d -> { }, List.of("-proc:none"), null,
                    files.getJavaFileObjects(file));
            Iterable<? extends CompilationUnitTree> units = task.parse();
            docTrees.put(file, DocTrees.instance(task));
            for (CompilationUnitTree unit : units) {
                return Optional.of(unit);
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static TreePath locate(CompilationUnitTree unit, List<String> nesting, String member, List<String> params) {
        TreePath[] result = new TreePath[1];
        new TreePathScanner<Void, Integer>() {
            @Override
            public Void visitClass(ClassTree tree, Integer depth) {
                if (result[0] != null || depth >= nesting.size() || !tree.getSimpleName().contentEquals(nesting.get(depth))) {
                    return null;
                }
                if (depth == nesting.size() - 1) {
                    if (member == null) {
                        result[0] = getCurrentPath();
                        return null;
                    }
                    for (Tree m : tree.getMembers()) {
                        if (m instanceof MethodTree && matches((MethodTree) m, member, params)) {
                            result[0] = new TreePath(getCurrentPath(), m);
                            return null;
                        }
                    }
                    return null;
                }
                for (Tree m : tree.getMembers()) {
                    scan(new TreePath(getCurrentPath(), m), depth + 1);
                }
                return null;
            }
        }.scan(new TreePath(unit), 0);
        return result[0];
    }

    private static boolean matches(MethodTree method, String name, List<String> params) {
        if (!method.getName().contentEquals(name) || method.getParameters().size() != params.size()) {
            return false;
        }
        for (int i = 0; i < params.size(); i++) {
            VariableTree p = method.getParameters().get(i);
            String declared = simpleType(p.getType().toString());
            if (declared.endsWith("[]") && params.get(i).endsWith("...")) {
                declared = declared.substring(0, declared.length() - 2) + "..."; // varargs parse as arrays
            }
            if (!declared.equals(simpleType(params.get(i)))) {
                return false;
            }
        }
        return true;
    }

    // "Map<String, Double> metrics, int k" -> ["Map", "int"]; names dropped, generics and packages erased.
    private static List<String> parameterTypes(String list) {
        List<String> types = new ArrayList<>();
        int depth = 0;
        StringBuilder current = new StringBuilder();
        for (char ch : list.toCharArray()) {
            if (ch == '<') {
                depth++;
            } else if (ch == '>') {
                depth--;
            }
            if (ch == ',' && depth == 0) {
                types.add(typeOf(current.toString()));
                current.setLength(0);
            } else {
                current.append(ch);
            }
        }
        if (!current.toString().isBlank()) {
            types.add(typeOf(current.toString()));
        }
        return types;
    }

    private static String typeOf(String parameter) {
        String p = eraseGenerics(parameter.strip());
        int space = p.lastIndexOf(' ');
        return simpleType(space < 0 ? p : p.substring(0, space));
    }

    private static String simpleType(String type) {
        String t = eraseGenerics(type).replace(" ", "");
        int suffix = t.length();
        while (suffix > 0 && "[].".indexOf(t.charAt(suffix - 1)) >= 0) {
            suffix--;
        }
        String base = t.substring(0, suffix);
        return base.substring(base.lastIndexOf('.') + 1) + t.substring(suffix);
    }

    private static String eraseGenerics(String s) {
        StringBuilder out = new StringBuilder();
        int depth = 0;
        for (char ch : s.toCharArray()) {
            if (ch == '<') {
                depth++;
            } else if (ch == '>') {
                depth--;
            } else if (depth == 0) {
                out.append(ch);
            }
        }
        return out.toString();
    }

    private static int lastDotOutsideGenerics(String s) {
        int depth = 0;
        for (int i = s.length() - 1; i >= 0; i--) {
            char ch = s.charAt(i);
            if (ch == '>') {
                depth++;
            } else if (ch == '<') {
                depth--;
            } else if (ch == '.' && depth == 0) {
                return i;
            }
        }
        return -1;
    }

    // {@code x} -> x, {@link A#b label} -> label, {@link A#b} -> A.b, tags dropped, whitespace collapsed,
    // unicode escapes (the parser leaves them in comments) decoded.
    static String plain(String javadoc) {
        java.util.regex.Matcher u = java.util.regex.Pattern.compile("\\\\u+([0-9a-fA-F]{4})").matcher(javadoc);
        StringBuilder decoded = new StringBuilder();
        while (u.find()) {
            u.appendReplacement(decoded, java.util.regex.Matcher.quoteReplacement(
                    String.valueOf((char) Integer.parseInt(u.group(1), 16))));
        }
        u.appendTail(decoded);
        String s = decoded.toString().replaceAll("\\{@(?:link|linkplain)\\s+[^\\s}]+\\s+([^}]+)}", "$1")
                .replaceAll("\\{@(?:link|linkplain)\\s+([^}\\s]+)}", "$1")
                .replaceAll("\\{@(?:code|literal)\\s+([^}]*)}", "$1")
                .replaceAll("<[^>]+>", "")
                .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                .replaceAll("\\s+", " ").strip();
        return s.replaceAll("(\\w)#(\\w)", "$1.$2").replaceAll("(^|\\s)#(\\w)", "$1$2");
    }

    private static Optional<Path> sourceOf(Class<?> top) {
        String relative = top.getName().replace('.', File.separatorChar) + ".java";
        for (Path root : roots(top)) {
            Path file = root.resolve(relative);
            if (Files.isRegularFile(file)) {
                return Optional.of(file);
            }
        }
        return Optional.empty();
    }

    private static List<Path> roots(Class<?> c) {
        List<Path> roots = new ArrayList<>();
        String configured = System.getProperty("mpo4j.sources");
        if (configured != null) {
            for (String p : configured.split(File.pathSeparator)) {
                if (!p.isBlank()) {
                    roots.add(Path.of(p));
                }
            }
        }
        String home = System.getProperty("mpo4j.home");
        if (home != null) {
            roots.add(Path.of(home, "toolkit", "src", "main", "java"));
        }
        // A Maven module's classes (target/classes) or jar (target/x.jar): its sources are ../src/main/java.
        try {
            CodeSource cs = c.getProtectionDomain().getCodeSource();
            if (cs != null && cs.getLocation() != null && "file".equals(cs.getLocation().getProtocol())) {
                Path location = Path.of(cs.getLocation().toURI());
                for (Path p = location; p != null; p = p.getParent()) {
                    if (p.getFileName() != null && p.getFileName().toString().equals("target")) {
                        roots.add(p.getParent().resolve(Path.of("src", "main", "java")));
                        break;
                    }
                }
            }
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            // no location: no sources
        }
        return roots;
    }
}
