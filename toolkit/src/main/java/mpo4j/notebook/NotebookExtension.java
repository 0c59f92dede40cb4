package mpo4j.notebook;

import java.awt.image.BufferedImage;
import org.dflib.jjava.jupyter.Extension;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

/**
 * Teaches any jjava-jupyter kernel (the mpo4j kernel, JJava) how toolkit values look: XChart charts and
 * images as {@code image/png}, Tablesaw tables as {@code text/html}, {@link Renderable}s as whatever
 * they offer, pairs as {@link PairCard}s, batches as token maps, reward evaluations with their score
 * histograms. Kernels find it through {@code META-INF/services/org.dflib.jjava.jupyter.Extension}.
 */
public final class NotebookExtension implements Extension {

    @Override
    public void install(BaseKernel kernel) {
        register(kernel.getRenderer());
    }

    /** Registers every toolkit render function on {@code renderer}. */
    public static void register(Renderer renderer) {
        renderer.createRegistration(Chart.class)
                .preferring(MIMEType.IMAGE_PNG)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((chart, ctx) -> {
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> Render.base64(Render.png(chart)));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> chartLabel(chart));
                });
        renderer.createRegistration(Table.class)
                .preferring(MIMEType.TEXT_HTML)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((table, ctx) -> {
                    ctx.renderIfRequested(MIMEType.TEXT_HTML, () -> Render.html(table, Render.DEFAULT_MAX_ROWS));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> Render.text(table));
                });
        renderer.createRegistration(BufferedImage.class)
                .preferring(MIMEType.IMAGE_PNG)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((image, ctx) -> {
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> Render.base64(Render.png(image)));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> Render.text(image));
                });
        registerView(renderer, Renderable.class, value -> value);
        registerView(renderer, mpo4j.collate.PreferenceBatch.class, BatchView::of);
        registerCharts(renderer, ChartsView.class, view -> view);
        registerCharts(renderer, mpo4j.plot.LossPlots.class, plots -> ChartsView.of(plots.charts()));
        registerCharts(renderer, mpo4j.plot.Curves.class, curves -> ChartsView.grid(
                curves.names().stream().map(curves::get).toList(), 3));
        registerView(renderer, mpo4j.train.TrainRun.class, TrainRunView::of);
        registerView(renderer, mpo4j.reward.RewardRun.class, run -> TrainRunView.of(run.train()));
        registerView(renderer, mpo4j.reward.RewardEvaluation.class, RewardEvaluationView::of);
        registerView(renderer, mpo4j.data.PreferencePair.class, PairCard::of);
        registerView(renderer, mpo4j.data.RewardPair.class, PairCard::of);
    }

    /**
     * Renders values of {@code type} through the {@link Renderable} {@code view} makes of them: its HTML if
     * it has one, else its PNG if it has one, and always its text.
     */
    private static <T> void registerView(Renderer renderer, Class<T> type, java.util.function.Function<T, Renderable> view) {
        renderer.createRegistration(type)
                .preferring(MIMEType.TEXT_HTML, MIMEType.IMAGE_PNG)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((value, ctx) -> {
                    Renderable r = view.apply(value);
                    String html = r.toHtml();
                    ctx.renderIfRequested(MIMEType.TEXT_HTML, (mime, out) -> {
                        if (html != null) {
                            out.putData(mime, html);
                        }
                    });
                    // Front ends show HTML over PNG, and HTML views inline their pictures: a PNG copy would only add bytes.
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, (mime, out) -> {
                        BufferedImage image = html == null ? r.toImage() : null;
                        if (image != null) {
                            out.putData(mime, Render.base64(Render.png(image)));
                        }
                    });
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, r::toText);
                });
    }

    /** Several charts of a value as one PNG, with a one-line text/plain label (no ASCII copy in notebooks). */
    private static <T> void registerCharts(Renderer renderer, Class<T> type, java.util.function.Function<T, ChartsView> view) {
        renderer.createRegistration(type)
                .preferring(MIMEType.IMAGE_PNG)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((value, ctx) -> {
                    ChartsView charts = view.apply(value);
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> Render.base64(Render.png(charts.toImage())));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, charts::label);
                });
    }

    // The PNG is the view; text/plain stays a short label so notebooks do not store an ASCII copy.
    static String chartLabel(Chart<?, ?> chart) {
        String title = chart.getTitle() == null || chart.getTitle().isBlank() ? "" : " '" + chart.getTitle() + "'";
        return chart.getClass().getSimpleName() + title + " " + chart.getWidth() + "x" + chart.getHeight();
    }
}
