package mpo4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;
import mpo4j.engine.Mpo4jEngine;

class CellEvaluatorTest {
    private static CellEvaluator cells;

    @BeforeAll
    static void start() {
        cells = CellEvaluator.withStartup(500);
    }

    @AfterAll
    static void stop() {
        cells.close();
    }

    @Test
    void anExpressionEvaluatesToItsValue() {
        assertEquals(2, cells.eval("1+1"));
    }

    @Test
    void aCellRunsEverySnippetAndReturnsTheLastExpression() {
        Object v = cells.eval("int a = 20;\nint b = a + 1;\n// the product\na * b");
        assertEquals(420, v);
        assertEquals(21, cells.eval("b"), "definitions persist across cells");
        assertNull(cells.eval("int c = 3;"), "a declaration shows nothing");
        assertNull(cells.eval("c = 4"), "an assignment shows nothing");
        assertNull(cells.eval("String greet(String n) { return \"hi \" + n; }"));
        assertEquals("hi mpo", cells.eval("greet(\"mpo\")"));
    }

    @Test
    void valuesAreLiveObjectsOfTheToolkitClassPath() {
        Object t = cells.eval("tech.tablesaw.api.Table.create(\"empty\")");
        assertInstanceOf(Table.class, t);
        assertEquals("empty", ((Table) t).name());
    }

    @Test
    void voidCallsShowNothingAndTheirOutputReachesSystemOut() {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertNull(cells.eval("System.out.println(\"from the cell \" + (6 * 7));"));
            assertNull(cells.eval("var t = new Thread(() -> System.out.println(\"from a thread\")); t.start(); t.join();"));
        } finally {
            System.setOut(old);
        }
        assertEquals("from the cell 42\nfrom a thread\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aCompileErrorNamesTheCellLineAndPointsAtTheProblem() {
        cells.eval("int beforeError = 1;");
        CompilationException e = assertThrows(CompilationException.class,
                () -> cells.eval("int ok = 1;\nint bad = ok + missingThing;\nint after = 2;"));
        assertEquals("cell line 2: cannot find symbol", e.getMessage());
        assertTrue(e.details().contains("    int bad = ok + missingThing;"), e.details().toString());
        assertTrue(e.details().contains("                   ^----------^"), e.details().toString());
        assertTrue(e.details().stream().anyMatch(l -> l.contains("symbol:") && l.contains("missingThing")), e.details().toString());
        assertFalse(e.details().contains("  location: class"), "the wrapper class is noise");
        assertEquals(1, cells.eval("ok"), "snippets before the error ran");
        assertThrows(CompilationException.class, () -> cells.eval("after"), "snippets after the error did not");
    }

    @Test
    void anExceptionInTheCellIsReportedWithTheUsersFrames() {
        EvaluationException e = assertThrows(EvaluationException.class,
                () -> cells.eval("void check(int n) { if (n < 0) throw new IllegalArgumentException(\"n must be >= 0, got \" + n); }\ncheck(-3)"));
        assertEquals("java.lang.IllegalArgumentException", e.exceptionClass());
        // The throw is on cell line 1 (inside check), the call on line 2: the summary names the innermost.
        assertEquals("cell line 1: java.lang.IllegalArgumentException: n must be >= 0, got -3", e.getMessage());
        assertEquals("java.lang.IllegalArgumentException: n must be >= 0, got -3", e.details().get(0));
        assertEquals("\tat check (cell line 1)", e.details().get(1));
        assertEquals("\tat cell line 2", e.details().get(2));
        assertFalse(e.details().stream().anyMatch(l -> l.contains("jdk.jshell") || l.contains("mpo4j.kernel")),
                e.details().toString());
    }

    @Test
    void runtimeErrorsNameCellLinesAlsoOfCodeFromEarlierCellsAndParameterNames() {
        cells.eval("// a helper\n\nint firstChar(String text) {\n    return text.charAt(0);\n}", 7);
        EvaluationException e = assertThrows(EvaluationException.class,
                () -> cells.eval("int ok = 1;\n\n  firstChar(null)", 8));
        // -g keeps the parameter's name for the helpful NullPointerException message.
        assertEquals("cell line 3: java.lang.NullPointerException: Cannot invoke \"String.charAt(int)\" because \"text\" is null",
                e.getMessage());
        // the helper's body is line 4 of cell [7]; the call is line 3 of this cell (indented, after a blank line)
        assertEquals("\tat firstChar (cell [7] line 4)", e.details().get(1));
        assertEquals("\tat cell line 3", e.details().get(2));
    }

    @Test
    void anUnfinishedCellIsReportedAsIncomplete() {
        IncompleteSourceException e = assertThrows(IncompleteSourceException.class,
                () -> cells.eval("int z = 1;\nfor (int i = 0; i < 3; i++) {\n  z += i;"));
        assertEquals("the cell ends in the middle of a statement (cell line 2)", e.getMessage());
    }

    @Test
    void isCompleteAnswersWithTheNextIndent() {
        assertEquals("complete", cells.isComplete("int q = 1;\nq + 1"));
        assertEquals("    ", cells.isComplete("for (int i = 0; i < 3; i++) {"));
        assertEquals("  ", cells.isComplete("if (true) {\n  int w = 1;"));
    }

    @Test
    void completionOffersFacadeMethodsAndMembers() {
        String code = "int n = 1;\ndispl";
        CellEvaluator.Completion c = cells.complete(code, code.length());
        assertTrue(c.options().contains("display("), c.options().toString());
        assertEquals(code.length() - "displ".length(), c.start());
        assertEquals(code.length(), c.end());

        String member = "mpo4j.engine.Mpo4jEngine.ensure";
        CellEvaluator.Completion m = cells.complete(member, member.length());
        assertEquals(java.util.List.of("ensureOffline()"), m.options());
    }

    @Test
    void inspectionShowsTheSignature() {
        String code = "Math.max(";
        String doc = cells.inspect(code, code.length());
        assertTrue(doc != null && doc.contains("int Math.max(int a, int b)"), String.valueOf(doc));
    }

    @Test
    void inspectionAddsTheJavadocSummaryOfToolkitMembersFromTheirSource() {
        String code = "var t = trainer(";
        // toolkit/src/main/java/mpo4j/Mpo.java, the first sentence of trainer(CausalLm)'s Javadoc
        assertEquals("PreferenceTrainer mpo4j.Mpo.trainer(CausalLm model)\nPreference training of a model (DPO by default;"
                + " .loss(mpo()) for MPO), configured fluently: trainer(model).loss(mpo()).data(train, eval)"
                + ".collator(c::collate).lr(5e-5).cosine().fit().", cells.inspect(code, code.length()));
        String member = "ProgressView.of(\"a\", 1, 2).withMetric(";
        assertEquals("ProgressView ProgressView.withMetric(String name, double value)\nAdds (or replaces) one metric shown next to the bar.",
                cells.inspect(member, member.length()));
        String type = "TrainRun";
        assertTrue(cells.inspect(type, type.length()).startsWith("mpo4j.train.TrainRun\nThe outcome of fit() or resume():"),
                cells.inspect(type, type.length()));
    }

    @Test
    void javadocMarkupBecomesPlainText() {
        assertEquals("Like split(double) with seed 42 \u03b2 and TrainRun.steps, see the run.",
                SourceJavadoc.plain("Like {@link #split(double)} with <b>seed</b> {@code 42} \\u03b2 and\n  {@link TrainRun#steps},"
                        + " see {@link TrainRun the run}."));
    }

    @Test
    void interruptStopsACooperativeLoopAndKeepsTheState() throws Exception {
        cells.eval("int steps = 0;");
        Thread interrupter = interruptWhenRunning();
        CellInterruptedException e = assertThrows(CellInterruptedException.class,
                () -> cells.eval("while (!Thread.currentThread().isInterrupted()) { steps++; }\n\"stopped\""));
        interrupter.join();
        assertEquals("stopped", e.value(), "the cell ran to its end and its value is kept");
        assertTrue((Integer) cells.eval("steps") > 0);
        assertEquals(7, cells.eval("3 + 4"), "the next cell runs normally");
        assertFalse(Thread.currentThread().isInterrupted());
    }

    @Test
    void anInterruptedCellStaysInterruptedUntilItEnds() throws Exception {
        cells.eval("int first = 0; int second = 0;");
        Thread interrupter = interruptWhenRunning();
        CellInterruptedException e = assertThrows(CellInterruptedException.class,
                () -> cells.eval("while (!Thread.currentThread().isInterrupted()) { first++; }\n"
                + "while (!Thread.currentThread().isInterrupted()) { second++; }\n"
                + "\"summary: second loop ran \" + second + \" times\""));
        interrupter.join();
        assertEquals("summary: second loop ran 0 times", e.value());
        assertTrue((Integer) cells.eval("first") > 0);
        assertEquals(Boolean.FALSE, cells.eval("Thread.currentThread().isInterrupted()"), "the next cell starts clean");
    }

    @Test
    void anInterruptBetweenCellsDoesNotHitTheNextCell() {
        assertFalse(cells.isExecuting());
        cells.interrupt();
        assertEquals(Boolean.FALSE, cells.eval("Thread.currentThread().isInterrupted()"));
        assertEquals(5, cells.eval("2 + 3"), "no CellInterruptedException either");
    }

    @Test
    void codeThatIgnoresTheInterruptIsStoppedAfterTheGracePeriod() throws Exception {
        cells.eval("long spins = 0;");
        Thread interrupter = interruptWhenRunning();
        EvaluationException e = assertThrows(EvaluationException.class, () -> cells.eval("while (true) { spins++; }"));
        interrupter.join();
        assertEquals(CellExecutionControl.STOPPED, e.exceptionClass());
        // the test evaluator's grace period is 500 ms, i.e. "0 s" in whole seconds
        assertTrue(e.getMessage().startsWith("the cell was stopped by force because it was still running 0 s after the interrupt"),
                e.getMessage());
        assertTrue((Long) cells.eval("spins") > 0, "state from before the stop survives");
        assertEquals("alive", cells.eval("\"alive\""));
    }

    private static Thread interruptWhenRunning() {
        Thread t = new Thread(() -> {
            try {
                while (!cells.isRunning()) {
                    Thread.sleep(5);
                }
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            cells.interrupt();
        });
        t.start();
        return t;
    }
}
