package mpo4j.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.UnresolvedReferenceException;

/**
 * Evaluates notebook cells with JShell inside this JVM: a cell may hold several snippets (imports,
 * declarations, statements, a final expression); the value of the last expression is returned as a live
 * object so the kernel can render it. Also answers completion, inspection and "is this complete?".
 */
public final class CellEvaluator implements AutoCloseable {
    /** JShell's own DEFAULT start-up imports, which users of {@code jshell} expect. */
    static final String DEFAULT_IMPORTS = String.join("\n",
            "import java.io.*;", "import java.math.*;", "import java.net.*;", "import java.nio.file.*;",
            "import java.util.*;", "import java.util.concurrent.*;", "import java.util.function.*;",
            "import java.util.prefs.*;", "import java.util.regex.*;", "import java.util.stream.*;");
    /** Milliseconds a cell gets to react to an interrupt before it is stopped by force (-Dmpo4j.kernel.interruptGraceMillis). */
    static final long DEFAULT_INTERRUPT_GRACE_MILLIS =
            Long.getLong("mpo4j.kernel.interruptGraceMillis", 10_000L);
    private static final String INDENT = "    ";

    private final CellExecutionControl control;
    private final JShell shell;
    private final SourceCodeAnalysis analysis;
    /** Where each snippet's source starts, by JShell snippet id, so stack frames can name cell lines. */
    private final Map<String, SnippetOrigin> origins = new HashMap<>();
    private final SourceJavadoc sourceJavadoc = new SourceJavadoc(this::resolveClass);
    private int cellCount;
    private int currentCell;

    private CellEvaluator(String classPath, long interruptGraceMillis) {
        this.control = new CellExecutionControl(interruptGraceMillis);
        this.shell = JShell.builder()
                .executionEngine(CellExecutionControl.providerFor(control), new java.util.HashMap<>())
                // -g keeps parameter and local names, so helpful NullPointerException messages say
                // "because \"s\" is null" instead of "because \"<parameter1>\" is null".
                .compilerOptions("-g")
                .build();
        this.analysis = shell.sourceCodeAnalysis();
        if (classPath != null && !classPath.isBlank()) {
            // The compiler needs the class path too; the loader already sees it through its parent.
            shell.addToClasspath(classPath);
        }
    }

    /** A bare evaluator: this JVM's class path, no imports. */
    public static CellEvaluator create() {
        return new CellEvaluator(System.getProperty("java.class.path"), DEFAULT_INTERRUPT_GRACE_MILLIS);
    }

    /**
     * An evaluator ready for notebooks: JShell's default imports plus the mpo4j start-up script
     * ({@code import static mpo4j.Mpo.*;} and friends).
     */
    public static CellEvaluator withStartup() {
        return withStartup(DEFAULT_INTERRUPT_GRACE_MILLIS);
    }

    static CellEvaluator withStartup(long interruptGraceMillis) {
        CellEvaluator evaluator = new CellEvaluator(System.getProperty("java.class.path"), interruptGraceMillis);
        try {
            evaluator.eval(DEFAULT_IMPORTS);
            evaluator.eval(startupScript());
        } catch (CellException e) {
            evaluator.close();
            throw new IllegalStateException("the kernel start-up script failed: " + e.getMessage()
                    + "\n" + String.join("\n", e.details()), e);
        }
        return evaluator;
    }

    /** The start-up script shipped in the kernel jar (a copy of toolkit/src/main/jshell/startup.jsh). */
    static String startupScript() {
        try (InputStream in = CellEvaluator.class.getResourceAsStream("startup.jsh")) {
            if (in == null) {
                throw new IllegalStateException("startup.jsh is missing from the kernel jar (mpo4j/kernel/startup.jsh)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading startup.jsh failed", e);
        }
    }

    /**
     * Runs every snippet of {@code cell} in order and returns the value of the last one if it is an
     * expression with a value, else {@code null}. Stops at the first snippet that fails.
     *
     * @throws CompilationException when a snippet does not compile (nothing after it runs)
     * @throws EvaluationException when a snippet throws
     * @throws IncompleteSourceException when the cell ends inside a statement
     * @throws CellInterruptedException when the cell was interrupted but ended by itself (holds its value)
     */
    public Object eval(String cell) {
        return eval(cell, ++cellCount);
    }

    /**
     * {@link #eval(String)} for the notebook cell numbered {@code executionCount}: stack frames in code
     * defined by this cell and shown while a later cell runs say {@code cell [executionCount] line N}.
     */
    public Object eval(String cell, int executionCount) {
        cellCount = Math.max(cellCount, executionCount);
        currentCell = executionCount;
        control.beginCell();
        control.clearResults();
        boolean interrupted = false;
        try {
            Object value = evalSnippets(cell);
            interrupted = control.endCell();
            if (interrupted) {
                throw new CellInterruptedException(value);
            }
            return value;
        } finally {
            if (!interrupted) {
                control.endCell();
            }
            control.clearResults();
        }
    }

    private Object evalSnippets(String cell) {
        Object last = null;
        int offset = 0;
        String remaining = cell;
        while (true) {
            CompletionInfo info = analysis.analyzeCompletion(remaining);
            Completeness completeness = info.completeness();
            if (completeness == Completeness.EMPTY) {
                return last;
            }
            if (completeness == Completeness.DEFINITELY_INCOMPLETE
                    || completeness == Completeness.CONSIDERED_INCOMPLETE) {
                int line = lineOf(cell, offset + leadingWhitespace(remaining));
                throw new IncompleteSourceException("the cell ends in the middle of a statement (cell line "
                        + line + ")", List.of(remaining.strip()));
            }
            // UNKNOWN means JShell cannot tell where the snippet ends: let the compiler explain.
            String source = completeness == Completeness.UNKNOWN ? remaining : info.source();
            String rest = completeness == Completeness.UNKNOWN ? "" : info.remaining();
            // JShell's positions count from the start of the remaining text, whitespace included.
            last = evalSnippet(cell, offset, source, lineOf(cell, offset + leadingWhitespace(remaining)));
            offset += remaining.length() - rest.length();
            remaining = rest;
        }
    }

    private Object evalSnippet(String cell, int start, String source, int firstLine) {
        List<SnippetEvent> events = shell.eval(source);
        Object value = null;
        for (SnippetEvent event : events) {
            if (event.causeSnippet() != null) {
                continue; // a dependent snippet updated by this one, not the snippet itself
            }
            Snippet snippet = event.snippet();
            origins.put(snippet.id(), new SnippetOrigin(currentCell, firstLine));
            if (event.status() == Snippet.Status.REJECTED) {
                throw compilationError(cell, start, snippet);
            }
            JShellException thrown = event.exception();
            if (thrown != null) {
                throw evaluationError(thrown);
            }
            value = hasValue(snippet) && event.value() != null ? control.takeResult(event.value()) : null;
        }
        return value;
    }

    // Expressions show their value (like Python's last line); assignments and declarations do not.
    private static boolean hasValue(Snippet snippet) {
        switch (snippet.subKind()) {
            case VAR_VALUE_SUBKIND:
            case OTHER_EXPRESSION_SUBKIND:
            case TEMP_VAR_EXPRESSION_SUBKIND:
                return true;
            default:
                return false;
        }
    }

    private CompilationException compilationError(String cell, int start, Snippet snippet) {
        List<Diag> errors = shell.diagnostics(snippet).filter(Diag::isError).collect(Collectors.toList());
        if (errors.isEmpty()) {
            return new CompilationException("the snippet was rejected: " + snippet.source().strip(), List.of());
        }
        List<String> details = new ArrayList<>();
        String summary = null;
        for (Diag diag : errors) {
            int at = start + (int) Math.max(0, diag.getStartPosition());
            int line = lineOf(cell, Math.min(at, cell.length()));
            String[] message = diag.getMessage(Locale.ROOT).split("\\R");
            if (summary == null) {
                summary = "cell line " + line + ": " + message[0];
            }
            details.add("cell line " + line + ": error: " + message[0]);
            for (int i = 1; i < message.length; i++) {
                if (message[i].strip().equals("location: class")) {
                    continue; // JShell's anonymous wrapper class says nothing to the user
                }
                details.add("  " + message[i].strip());
            }
            String text = lineText(cell, line);
            int column = Math.max(0, Math.min(at - lineStart(cell, line), text.length()));
            int width = (int) Math.max(1, Math.min(diag.getEndPosition() - diag.getStartPosition(),
                    text.length() - column));
            details.add("    " + text);
            details.add("    " + " ".repeat(column) + "^" + (width > 1 ? "-".repeat(width - 2) + "^" : ""));
        }
        return new CompilationException(summary, details);
    }

    private EvaluationException evaluationError(JShellException thrown) {
        if (thrown instanceof UnresolvedReferenceException) {
            Snippet s = ((UnresolvedReferenceException) thrown).getSnippet();
            List<String> missing = shell.unresolvedDependencies((jdk.jshell.DeclarationSnippet) s)
                    .collect(Collectors.toList());
            return new EvaluationException(UnresolvedReferenceException.class.getName(),
                    "'" + s.source().strip().lines().findFirst().orElse("") + "' cannot run until "
                            + String.join(", ", missing) + " is defined", List.of());
        }
        String className = thrown instanceof EvalException
                ? ((EvalException) thrown).getExceptionClassName() : thrown.getClass().getName();
        List<String> details = new ArrayList<>();
        String summaryLine = null; // "cell line N" of the deepest frame in this cell
        Throwable t = thrown;
        Set<Throwable> seen = new LinkedHashSet<>();
        boolean first = true;
        while (t != null && seen.add(t)) {
            String name = t instanceof EvalException ? ((EvalException) t).getExceptionClassName() : t.getClass().getName();
            details.add((first ? "" : "Caused by: ") + name + (t.getMessage() == null ? "" : ": " + t.getMessage()));
            for (StackTraceElement frame : t.getStackTrace()) {
                if (isPlumbing(frame)) {
                    break; // below this frame is the kernel and JShell, not the user's code
                }
                details.add("\tat " + describe(frame));
                if (first && summaryLine == null) {
                    summaryLine = cellLine(frame);
                }
            }
            first = false;
            t = t.getCause();
        }
        String message = thrown.getMessage();
        if (CellExecutionControl.STOPPED.equals(className)) {
            return new EvaluationException(className, message, List.of(message));
        }
        String summary = className + (message == null ? "" : ": " + message);
        return new EvaluationException(className, summaryLine == null ? summary : summaryLine + ": " + summary, details);
    }

    private static boolean isPlumbing(StackTraceElement frame) {
        String c = frame.getClassName();
        return c.startsWith("jdk.internal.reflect.") || c.startsWith("java.lang.reflect.")
                || c.startsWith("jdk.jshell.") || c.startsWith("mpo4j.kernel.");
    }

    // JShell reports cell code as class "" in file "#<snippet id>" with lines counted in the snippet; say
    // "cell line N" (or "cell [k] line N" for code an earlier cell defined) instead.
    private String describe(StackTraceElement frame) {
        boolean cellCode = frame.getClassName().isEmpty() || frame.getClassName().startsWith("REPL.")
                || frame.getFileName() != null && frame.getFileName().startsWith("#");
        if (cellCode) {
            String method = frame.getMethodName();
            String where = location(frame);
            return method.isEmpty() || method.startsWith("do_it$") ? where : method + " (" + where + ")";
        }
        return frame.toString();
    }

    private String location(StackTraceElement frame) {
        SnippetOrigin origin = frame.getFileName() == null ? null : origins.get(frame.getFileName().substring(1));
        if (origin == null || frame.getLineNumber() <= 0) {
            return "cell";
        }
        int line = origin.firstLine + frame.getLineNumber() - 1;
        return origin.cell == currentCell ? "cell line " + line : "cell [" + origin.cell + "] line " + line;
    }

    // The innermost frame of the running cell itself, as "cell line N", or null.
    private String cellLine(StackTraceElement frame) {
        if (frame.getFileName() == null || !frame.getFileName().startsWith("#")) {
            return null;
        }
        String where = location(frame);
        return where.startsWith("cell line ") ? where : null;
    }

    /** The cell (execution count) and cell line where a snippet's source begins. */
    private static final class SnippetOrigin {
        final int cell;
        final int firstLine;

        SnippetOrigin(int cell, int firstLine) {
            this.cell = cell;
            this.firstLine = firstLine;
        }
    }

    /** Completion candidates for the cursor position in a (multi-snippet) cell. */
    public Completion complete(String cell, int cursor) {
        SnippetAt at = snippetAt(cell, cursor);
        int[] anchor = new int[1];
        List<SourceCodeAnalysis.Suggestion> suggestions = analysis.completionSuggestions(at.source, at.cursor, anchor);
        // Type-matching suggestions first, as jshell's Tab does.
        Set<String> options = new LinkedHashSet<>();
        suggestions.stream().filter(SourceCodeAnalysis.Suggestion::matchesType)
                .forEach(s -> options.add(s.continuation()));
        suggestions.forEach(s -> options.add(s.continuation()));
        return new Completion(List.copyOf(options), at.start + anchor[0], cursor);
    }

    /**
     * Signatures of what is under the cursor, each with its Javadoc: JShell's for the JDK (when the JDK's
     * src.zip is installed), else the summary sentence from the source of toolkit classes; or null.
     */
    public String inspect(String cell, int cursor) {
        SnippetAt at = snippetAt(cell, cursor);
        List<SourceCodeAnalysis.Documentation> docs = analysis.documentation(at.source, at.cursor, true);
        if (!docs.isEmpty()) {
            return docs.stream()
                    .map(d -> d.javadoc() != null && !d.javadoc().isBlank() ? d.signature() + "\n" + d.javadoc()
                            : sourceJavadoc.summary(d.signature()).map(doc -> d.signature() + "\n" + doc).orElse(d.signature()))
                    .collect(Collectors.joining("\n\n"));
        }
        SourceCodeAnalysis.QualifiedNames names = analysis.listQualifiedNames(at.source, at.cursor);
        return names.getNames().isEmpty() ? null : String.join("\n", names.getNames());
    }

    /**
     * Jupyter's is_complete: {@code "complete"}, {@code "invalid"}, or the indent to continue with when
     * the code stops inside a statement.
     */
    public String isComplete(String code) {
        CompletionInfo info = analysis.analyzeCompletion(code);
        while (info.completeness().isComplete()) {
            info = analysis.analyzeCompletion(info.remaining());
        }
        switch (info.completeness()) {
            case EMPTY:
                return "complete";
            case UNKNOWN:
                return "invalid";
            default:
                String last = code.substring(code.lastIndexOf('\n') + 1);
                String indent = last.substring(0, last.length() - last.stripLeading().length());
                String trimmed = last.strip();
                return trimmed.endsWith("{") || trimmed.endsWith("(") ? indent + INDENT : indent;
        }
    }

    // A class named as JShell's signatures name it: qualified, or simple through the session's imports.
    private java.util.Optional<Class<?>> resolveClass(String name) {
        List<String> candidates = new ArrayList<>();
        candidates.add(name);
        String first = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
        String rest = name.substring(first.length());
        shell.imports().forEach(i -> {
            String full = i.fullname();
            if (i.isStatic()) {
                return;
            }
            if (full.endsWith(".*")) {
                candidates.add(full.substring(0, full.length() - 1) + name);
            } else if (full.endsWith("." + first)) {
                candidates.add(full + rest);
            }
        });
        candidates.add("java.lang." + name);
        for (String candidate : candidates) {
            // Nested classes: mpo4j.model.TinyVlm.Builder is mpo4j.model.TinyVlm$Builder.
            for (String binary = candidate; binary.contains("."); binary = nestOnce(binary)) {
                try {
                    return java.util.Optional.of(Class.forName(binary, false, CellEvaluator.class.getClassLoader()));
                } catch (ClassNotFoundException | LinkageError e) {
                    // try the next reading
                }
            }
        }
        return java.util.Optional.empty();
    }

    private static String nestOnce(String name) {
        int dot = name.lastIndexOf('.');
        return name.substring(0, dot) + "$" + name.substring(dot + 1);
    }

    /** Adds a jar or class folder to the compiler and the loader (the {@code %classpath} magic). */
    public void addToClasspath(String path) {
        shell.addToClasspath(path);
    }

    /** Interrupts the running cell (see {@link CellExecutionControl} for the escalation). */
    public void interrupt() {
        control.interrupt();
    }

    /** True from the start to the end of a cell, including while JShell compiles its snippets. */
    public boolean isExecuting() {
        return control.isExecuting();
    }

    /** True while a cell's code is running. */
    public boolean isRunning() {
        return control.isRunning();
    }

    @Override
    public void close() {
        shell.close();
    }

    /** Completion options and the cell range they replace. */
    public static final class Completion {
        private final List<String> options;
        private final int start;
        private final int end;

        Completion(List<String> options, int start, int end) {
            this.options = options;
            this.start = start;
            this.end = end;
        }

        public List<String> options() {
            return options;
        }

        public int start() {
            return start;
        }

        public int end() {
            return end;
        }
    }

    private static final class SnippetAt {
        final String source;
        final int start;
        final int cursor;

        SnippetAt(String source, int start, int cursor) {
            this.source = source;
            this.start = start;
            this.cursor = cursor;
        }
    }

    // The snippet of a multi-snippet cell that holds the cursor, since JShell analyses one snippet at a time.
    private SnippetAt snippetAt(String cell, int cursor) {
        int offset = 0;
        String remaining = cell;
        while (true) {
            CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (!info.completeness().isComplete()) {
                break;
            }
            int consumed = remaining.length() - info.remaining().length();
            if (cursor <= offset + consumed) {
                break;
            }
            offset += consumed;
            remaining = info.remaining();
        }
        int end = Math.min(cell.length(), Math.max(cursor, offset));
        String source = cell.substring(offset, end);
        return new SnippetAt(source, offset, cursor - offset);
    }

    private static int leadingWhitespace(String s) {
        return s.length() - s.stripLeading().length();
    }

    private static int lineOf(String text, int position) {
        int line = 1;
        for (int i = 0; i < position && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static int lineStart(String text, int line) {
        int pos = 0;
        for (int l = 1; l < line; l++) {
            int nl = text.indexOf('\n', pos);
            if (nl < 0) {
                return text.length();
            }
            pos = nl + 1;
        }
        return pos;
    }

    private static String lineText(String text, int line) {
        int s = lineStart(text, line);
        int e = text.indexOf('\n', s);
        return text.substring(s, e < 0 ? text.length() : e);
    }
}
