package mpo4j.kernel;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import mpo4j.notebook.LiveDisplay;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.PathsHandler;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import org.dflib.jjava.jupyter.kernel.util.TextColor;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.publish.PublishError;
import org.dflib.jjava.jupyter.messages.publish.PublishExecuteInput;
import org.dflib.jjava.jupyter.messages.publish.PublishExecuteResult;
import org.dflib.jjava.jupyter.messages.reply.ErrorReply;
import org.dflib.jjava.jupyter.messages.reply.ExecuteReply;
import org.dflib.jjava.jupyter.messages.reply.InterruptReply;
import org.dflib.jjava.jupyter.messages.request.ExecuteRequest;
import org.dflib.jjava.jupyter.messages.request.InterruptRequest;

/**
 * The mpo4j Jupyter kernel: Java cells run by JShell inside the kernel's JVM, with the toolkit and its
 * dependencies on the class path, {@code import static mpo4j.Mpo.*} done, and toolkit values rendered by
 * the {@link mpo4j.notebook.NotebookExtension}. Magics: {@code %classpath <paths/globs>} and
 * {@code %jars <globs>} add the user's own jars.
 */
public final class Mpo4jKernel extends BaseKernel implements AutoCloseable {
    /** A line magic: {@code %name args} alone on its line (IJava style). */
    private static final Pattern LINE_MAGIC = Pattern.compile("^\\s*%(\\w+)(.*)$");

    private final CellEvaluator cells;
    private final KernelHistory history;
    private final KernelIO kernelIO;
    private Mpo4jConnection connection; // null when driven without one (tests)
    private int runningCount = -1; // the execution count of the cell being executed, or -1

    public Mpo4jKernel(CellEvaluator cells) {
        this(cells, new KernelHistory(), new KernelIO());
    }

    private Mpo4jKernel(CellEvaluator cells, KernelHistory history, KernelIO kernelIO) {
        super("mpo4j", version(), languageInfo(), List.of(), history, kernelIO,
                new CommManager(), new Renderer(), null, new MagicsRegistry(), true, errorStyler());
        this.cells = cells;
        this.history = history;
        this.kernelIO = kernelIO;
        magicsRegistry.registerLineMagic("classpath", (Mpo4jKernel k, List<String> args) -> k.addClasspath(args, false));
        magicsRegistry.registerLineMagic("jars", (Mpo4jKernel k, List<String> args) -> k.addClasspath(args, true));
    }

    private static String version() {
        String v = Mpo4jKernel.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    private static LanguageInfo languageInfo() {
        return new LanguageInfo.Builder("java")
                .version(String.valueOf(Runtime.version().feature()))
                .mimetype("text/x-java-source")
                .fileExtension(".jshell")
                .pygments("java")
                .codemirror("java")
                .build();
    }

    private static StringStyler errorStyler() {
        return new StringStyler.Builder()
                .addPrimaryStyle(TextColor.BOLD_RESET_FG)
                .addSecondaryStyle(TextColor.BOLD_RED_FG)
                .addHighlightStyle(TextColor.BOLD_RESET_FG)
                .addHighlightStyle(TextColor.RED_BG)
                .build();
    }

    @Override
    public String getBanner() {
        String home = System.getProperty("mpo4j.home");
        return "mpo4j " + getVersion() + " on Java " + Runtime.version() + " (JShell, in-process)"
                + (home == null ? "" : ", checkout " + home);
    }

    /**
     * Runs a cell: magics first, then the Java snippets. Returns the last expression's value, or null
     * when there is nothing to show (a {@code display(...)} handle has already been shown).
     */
    @Override
    public Object evalRaw(String cell) {
        history.record(executionCount.get() - 1, cell);
        String code = runMagics(cell);
        Object value = runningCount < 0 ? cells.eval(code) : cells.eval(code, runningCount);
        return shown(value);
    }

    private static Object shown(Object value) {
        return value instanceof LiveDisplay ? null : value;
    }

    @Override
    public void becomeHandlerForConnection(org.dflib.jjava.jupyter.channels.JupyterConnection connection) {
        super.becomeHandlerForConnection(connection);
        this.connection = connection instanceof Mpo4jConnection ? (Mpo4jConnection) connection : null;
    }

    @Override
    public DisplayData eval(String cell) {
        Object value = evalRaw(cell);
        return value == null ? null : value instanceof DisplayData ? (DisplayData) value : renderer.render(value);
    }

    /**
     * BaseKernel's execute handler, except that errors carry the user's view: the error name is what the
     * cell threw (e.g. IllegalStateException) and the traceback, also in the reply that nbconvert prints
     * when a notebook fails, is the cell's story (caret, user frames) rather than the kernel's stack. An
     * interrupted cell that ended by itself shows its value, then the error {@code CellInterrupted}. After
     * an error, execute requests already queued are aborted when the request asked for stop_on_error.
     */
    @Override
    protected synchronized void handleExecuteRequest(ShellReplyEnvironment env, Message<ExecuteRequest> message) {
        commManager.setMessageContext(message);
        ExecuteRequest request = message.getContent();
        int count = executionCount.getAndIncrement();
        env.setBusyDeferIdle();
        env.publish(new PublishExecuteInput(request.getCode(), count));
        replaceOutputStreams(env);
        kernelIO.attach(env, request.isStdinEnabled());
        env.defer(() -> kernelIO.detach(env));
        boolean failed = false;
        runningCount = count;
        try {
            DisplayData out = eval(request.getCode());
            if (out != null) {
                env.publish(new PublishExecuteResult(count, out));
            }
            env.defer().reply(new ExecuteReply(count, java.util.Collections.emptyMap()));
        } catch (Exception e) {
            failed = true;
            if (e instanceof CellInterruptedException) {
                Object value = shown(((CellInterruptedException) e).value());
                if (value != null) {
                    DisplayData out = value instanceof DisplayData ? (DisplayData) value : renderer.render(value);
                    env.publish(new PublishExecuteResult(count, out));
                }
            }
            String name = errorName(e);
            String value = e.getMessage() == null ? "" : e.getMessage();
            List<String> traceback = formatError(e);
            ErrorReply error = new ErrorReply(name, value, traceback);
            error.setExecutionCount(count);
            env.publish(new PublishError(name, value, traceback));
            env.defer().replyError(ExecuteReply.MESSAGE_TYPE.error(), error);
        } finally {
            runningCount = -1;
            System.out.flush(); // text printed without a newline still belongs to this cell
            System.err.flush();
        }
        if (failed && request.shouldStopOnError() && connection != null) {
            // this cell's reply and idle go out before the aborted ones, but only requests that were waiting
            // before that reply left are aborted (a cell sent after it must run)
            connection.abortQueuedExecuteRequests(env.getShell(), env::resolveDeferrals);
        }
    }

    /**
     * Interrupts the running cell. While a cell runs, the kernel stays "busy" until that cell really ends,
     * so this request publishes no busy/idle pair of its own (front ends such as JupyterLab show the last
     * status they saw).
     */
    @Override
    protected void handleInterruptRequest(ShellReplyEnvironment env, Message<InterruptRequest> message) {
        if (!cells.isExecuting()) {
            env.setBusyDeferIdle();
        }
        env.defer().reply(new InterruptReply());
        interrupt();
    }

    static String errorName(Exception e) {
        if (e instanceof CellInterruptedException) {
            return CellInterruptedException.NAME;
        }
        if (e instanceof EvaluationException) {
            String c = ((EvaluationException) e).exceptionClass();
            return c.substring(c.lastIndexOf('.') + 1);
        }
        return e.getClass().getSimpleName();
    }

    // Magic lines run first and become blank lines, so compiler line numbers still match the cell.
    String runMagics(String cell) {
        if (cell.startsWith("%%")) {
            String name = cell.substring(2).split("\\s", 2)[0];
            throw new IllegalArgumentException("unknown cell magic %%" + name + " (this kernel has none)");
        }
        String[] lines = cell.split("\n", -1);
        boolean any = false;
        for (int i = 0; i < lines.length; i++) {
            Matcher m = LINE_MAGIC.matcher(lines[i]);
            if (!m.matches()) {
                continue;
            }
            String name = m.group(1);
            if (!magicsRegistry.getLineMagicNames().contains(name)) {
                throw new IllegalArgumentException("unknown magic %" + name + " on cell line " + (i + 1)
                        + " (available: " + magicsRegistry.getLineMagicNames().stream().sorted()
                        .map(n -> "%" + n).collect(Collectors.joining(", ")) + ")");
            }
            try {
                magicsRegistry.evalLineMagic(this, name, splitArgs(m.group(2)));
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("%" + name + " failed: " + e.getMessage(), e);
            }
            lines[i] = "";
            any = true;
        }
        return any ? String.join("\n", lines) : cell;
    }

    static List<String> splitArgs(String line) {
        List<String> args = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        char quote = 0;
        boolean inArg = false;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    current.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inArg = true;
            } else if (Character.isWhitespace(c)) {
                if (inArg) {
                    args.add(current.toString());
                    current.setLength(0);
                    inArg = false;
                }
            } else {
                current.append(c);
                inArg = true;
            }
        }
        if (inArg) {
            args.add(current.toString());
        }
        return args;
    }

    /** {@code %classpath a.jar:lib/*.jar classes/} and {@code %jars lib/*.jar}: globs must match something. */
    private List<String> addClasspath(List<String> args, boolean jarsOnly) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException((jarsOnly ? "%jars" : "%classpath") + " needs at least one path or glob");
        }
        List<String> added = new ArrayList<>();
        for (String arg : args) {
            for (String part : PathsHandler.split(arg)) {
                List<Path> matches = PathsHandler.resolveGlobs(part);
                if (matches.isEmpty()) {
                    throw new IllegalArgumentException("no file matches '" + part + "' (from "
                            + Path.of("").toAbsolutePath() + ")");
                }
                for (Path p : matches) {
                    if (jarsOnly && !p.getFileName().toString().endsWith(".jar")) {
                        continue;
                    }
                    cells.addToClasspath(p.toAbsolutePath().toString());
                    added.add(p.toAbsolutePath().toString());
                }
            }
        }
        if (!added.isEmpty()) {
            installExtensions(String.join(File.pathSeparator, added)); // renderers shipped in those jars
        }
        return added;
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        String text = cells.inspect(code, at);
        return text == null ? null : new DisplayData(text);
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        CellEvaluator.Completion c = cells.complete(code, at);
        return new ReplacementOptions(c.options(), c.start(), c.end());
    }

    @Override
    public String isComplete(String code) {
        return cells.isComplete(code);
    }

    @Override
    public void interrupt() {
        cells.interrupt();
    }

    @Override
    public List<String> formatError(Throwable e) {
        if (e instanceof CellException) {
            List<String> lines = new ArrayList<>();
            List<String> details = ((CellException) e).details();
            lines.add(errorStyler.secondary(e.getMessage()));
            // A runtime error's first detail line is its message again (after "cell line N: ").
            lines.addAll(!details.isEmpty() && e.getMessage() != null && e.getMessage().endsWith(details.get(0))
                    ? details.subList(1, details.size()) : details);
            return lines;
        }
        if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            return List.of(errorStyler.secondary(e.getMessage())); // magic errors: the message says it all
        }
        return super.formatError(e);
    }

    @Override
    public void onShutdown(boolean isRestarting) {
        super.onShutdown(isRestarting);
        close();
    }

    @Override
    public void close() {
        cells.close();
    }
}
