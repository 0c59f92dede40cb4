package mpo4j.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.tools.ToolProvider;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Mpo4jKernelTest {
    private static Mpo4jKernel kernel;

    @BeforeAll
    static void start() {
        kernel = new Mpo4jKernel(CellEvaluator.withStartup(500));
        kernel.onStartup(); // installs the toolkit's NotebookExtension from META-INF/services
    }

    @AfterAll
    static void stop() {
        kernel.onShutdown(false);
    }

    @Test
    void aChartCellComesBackAsPng() {
        DisplayData out = kernel.eval("var c = new org.knowm.xchart.XYChartBuilder().width(200).height(120).title(\"t\").build();\n"
                + "c.addSeries(\"s\", new double[] {0, 1}, new double[] {1, 0});\nc");
        byte[] png = Base64.getDecoder().decode((String) out.getData(MIMEType.IMAGE_PNG));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
    }

    @Test
    void aTableCellComesBackAsHtml() {
        DisplayData out = kernel.eval("tech.tablesaw.api.Table.create(\"scores\", "
                + "tech.tablesaw.api.DoubleColumn.create(\"reward\", new double[] {0.25, -1.5}))");
        String html = (String) out.getData(MIMEType.TEXT_HTML);
        assertTrue(html.contains("<table>") && html.contains(">-1.5</td>") && html.contains("2 rows"), html);
    }

    @Test
    void theFacadeIsImportedAndADisplayHandleIsNotShownTwice() {
        assertNull(kernel.eval("var d = display(\"hello\");\nd"), "display(...) already showed the value");
        assertEquals(36, ((String) kernel.evalRaw("d.id()")).length());
    }

    @Test
    void classpathMagicAddsCompiledClassesAndJarsMagicNeedsAMatch(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src/demo/Hello.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "package demo; public class Hello { public static String hi() { return \"hi from a jar\"; } }");
        Path classes = dir.resolve("classes");
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), src.toString()));

        Object v = kernel.evalRaw("%classpath " + classes + "\ndemo.Hello.hi()");
        assertEquals("hi from a jar", v);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kernel.evalRaw("%jars " + dir.resolve("nothing-*.jar")));
        assertEquals("no file matches '" + dir.resolve("nothing-*.jar") + "' (from "
                + Path.of("").toAbsolutePath() + ")", e.getMessage());
    }

    @Test
    void unknownMagicsAreNamedWithTheAlternatives() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kernel.evalRaw("int k = 1;\n%maven org:foo:1"));
        assertEquals("unknown magic %maven on cell line 2 (available: %classpath, %jars)", e.getMessage());
    }

    @Test
    void magicLinesKeepCompilerLineNumbers(@TempDir Path dir) {
        CompilationException e = assertThrows(CompilationException.class,
                () -> kernel.evalRaw("%classpath " + dir + "\nint x = \"text\";"));
        assertTrue(e.getMessage().startsWith("cell line 2: incompatible types"), e.getMessage());
    }

    @Test
    void errorsAreFormattedWithoutKernelStackFrames() {
        CompilationException e = assertThrows(CompilationException.class, () -> kernel.evalRaw("undefinedName"));
        List<String> lines = kernel.formatError(e);
        assertTrue(lines.get(0).contains("cell line 1: cannot find symbol"), lines.toString());
        assertTrue(lines.contains("    undefinedName"), lines.toString());
    }

    @Test
    void errorNamesAreWhatTheCellThrew() {
        EvaluationException e = assertThrows(EvaluationException.class,
                () -> kernel.evalRaw("throw new java.io.UncheckedIOException(\"disk\", new java.io.IOException(\"full\"));"));
        assertEquals("UncheckedIOException", Mpo4jKernel.errorName(e));
        assertTrue(kernel.formatError(e).contains("Caused by: java.io.IOException: full"), kernel.formatError(e).toString());
        assertEquals("CompilationException", Mpo4jKernel.errorName(
                assertThrows(CompilationException.class, () -> kernel.evalRaw("int = ;"))));
    }

    @Test
    void aRuntimeErrorShowsItsCellLineOnceAndAnInterruptedCellHasItsOwnName() {
        EvaluationException e = assertThrows(EvaluationException.class,
                () -> kernel.evalRaw("int n = 2;\nObject o = null;\no.hashCode();"));
        List<String> lines = kernel.formatError(e);
        // line 1: the summary (styled), then the frames: the exception line is not repeated
        assertTrue(lines.get(0).contains("cell line 3: java.lang.NullPointerException: Cannot invoke \"Object.hashCode()\""), lines.toString());
        assertEquals("\tat cell line 3", lines.get(1), lines.toString());
        CellInterruptedException interrupted = new CellInterruptedException("partial");
        assertEquals("CellInterrupted", Mpo4jKernel.errorName(interrupted));
        assertEquals(2, kernel.formatError(interrupted).size());
    }

    @Test
    void magicArgumentsHonourQuotes() {
        assertEquals(List.of("a b.jar", "c.jar", "d"), Mpo4jKernel.splitArgs(" \"a b.jar\" c.jar  'd'"));
    }
}
