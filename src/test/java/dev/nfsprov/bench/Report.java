package dev.nfsprov.bench;

import dev.nfsprov.testenv.TestEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The benchmark's table (stdout), CSVs and plot, with the settings every side shared. */
final class Report {
    private Report() {}

    static double percentile(List<Double> values, double p) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
    }

    /** A footprint figure, or "-" for a side that has none (the floor). */
    private static String footprint(
            BenchmarkIT.Footprint f, String format, java.util.function.ToDoubleFunction<BenchmarkIT.Footprint> field) {
        return f == null ? "-" : figure(format, field.applyAsDouble(f));
    }

    static void write(List<BenchmarkIT.Side> sides, int claims, int latency, String scale, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        var floor = sides.getFirst();
        var out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "nfsprov benchmark: %d claims in a burst%s, %d one at a time; %d cores; kube-controller-manager "
                        + "--kube-api-qps=%s --kube-api-burst=%s%n",
                claims,
                scale,
                latency,
                Runtime.getRuntime().availableProcessors(),
                System.getenv().getOrDefault("NFSPROV_KCM_QPS", "100"),
                System.getenv().getOrDefault("NFSPROV_KCM_BURST", "200")));
        out.append(String.format(
                Locale.ROOT,
                "%-28s %10s %8s %10s %9s %9s %9s %9s %9s %9s %8s%n",
                "side",
                "burst s",
                "x floor",
                "kcm w/cl",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "ready s",
                "peak MiB",
                "rest MiB",
                "cpu s"));
        var md = new StringBuilder(
                "| side | burst s | × floor | kube-controller-manager writes per claim | p50 ms | p90 ms |"
                        + " p99 ms | ready s | peak RSS MiB | rest RSS MiB | CPU s |\n"
                        + "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        var csv = new StringBuilder(
                "side,claims,burst_seconds,ratio_to_floor,controller_manager_writes_per_claim,p50_ms,p90_ms,p99_ms,"
                        + "floor_p50_ms,ready_seconds,peak_rss_mib,rest_rss_mib,cpu_seconds\n");
        for (var s : sides) {
            var f = s.footprint();
            double ratio = s.burst().seconds() / floor.burst().seconds();
            double writes = s.burst().controllerManagerWritesPerClaim();
            Object[] row = {
                s.name(),
                s.burst().seconds(),
                ratio,
                writes,
                percentile(s.latenciesMs(), 50),
                percentile(s.latenciesMs(), 90),
                percentile(s.latenciesMs(), 99),
                footprint(f, "%.2f", BenchmarkIT.Footprint::readySeconds),
                footprint(f, "%.1f", BenchmarkIT.Footprint::peakRssMiB),
                footprint(f, "%.1f", BenchmarkIT.Footprint::restRssMiB),
                footprint(f, "%.1f", BenchmarkIT.Footprint::cpuSeconds)
            };
            out.append(
                    String.format(Locale.ROOT, "%-28s %10.2f %8.2f %10.2f %9.1f %9.1f %9.1f %9s %9s %9s %8s%n", row));
            md.append(String.format(
                    Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f | %s | %s | %s | %s |%n", row));
            csv.append(String.format(
                    Locale.ROOT,
                    "%s,%d,%.3f,%.3f,%.3f,%.1f,%.1f,%.1f,%.1f,%s,%s,%s,%s%n",
                    s.name(),
                    claims,
                    s.burst().seconds(),
                    ratio,
                    writes,
                    percentile(s.latenciesMs(), 50),
                    percentile(s.latenciesMs(), 90),
                    percentile(s.latenciesMs(), 99),
                    percentile(floor.latenciesMs(), 50),
                    f == null ? "" : f.readySeconds(),
                    f == null ? "" : f.peakRssMiB(),
                    f == null ? "" : f.restRssMiB(),
                    f == null ? "" : f.cpuSeconds()));
        }
        out.append(String.format(
                Locale.ROOT,
                "%n%-28s %14s %16s %14s %9s%n",
                "side",
                "restart ready s",
                "restart bound s",
                "delete " + claims + " s",
                "archived"));
        md.append("\n| side | restart: ready s | restart: a new claim Bound s | ")
                .append(claims)
                .append(
                        " claims deleted at once: all volumes gone s | archived |\n| --- | ---: | ---: | ---: | ---: |\n");
        for (var s : sides) {
            var l = s.lifecycle();
            if (l == null) continue;
            // Not measured (no restart for another provisioner, no delete storm): "-", not NaN.
            boolean storm = !Double.isNaN(l.deleteSeconds());
            String archived = storm ? Integer.toString(l.archived()) : "-";
            out.append(String.format(
                    Locale.ROOT,
                    "%-28s %14s %16s %14s %9s%n",
                    s.name(),
                    seconds(l.restartReadySeconds()),
                    seconds(l.restartFirstBoundSeconds()),
                    seconds(l.deleteSeconds()),
                    archived));
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %s | %s |%n",
                    s.name(),
                    seconds(l.restartReadySeconds()),
                    seconds(l.restartFirstBoundSeconds()),
                    seconds(l.deleteSeconds()),
                    archived));
        }
        System.out.print(out);
        Files.writeString(dir.resolve("summary.txt"), out);
        Files.writeString(dir.resolve("summary.csv"), csv);
        // for docs/performance.md: the first line says what was run, the table follows
        Files.writeString(
                dir.resolve("summary.md"), out.toString().lines().findFirst().orElse("") + "\n\n" + md);

        var curves = new StringBuilder("side,ms_since_start,claims_bound\n");
        var chart = new XYChartBuilder()
                .width(900)
                .height(500)
                .title("Claims Bound over time (" + claims + " at once)")
                .xAxisTitle("seconds since the burst started")
                .yAxisTitle("claims Bound")
                .build();
        // whole seconds and whole claims on the axes, not 12.345678
        chart.getStyler().setXAxisDecimalPattern("#,##0").setYAxisDecimalPattern("#,##0");
        for (var s : sides) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (long[] p : s.curve()) {
                curves.append(s.name())
                        .append(',')
                        .append(p[0])
                        .append(',')
                        .append(p[1])
                        .append('\n');
                x.add(p[0] / 1000.0);
                y.add((double) p[1]);
            }
            chart.addSeries(s.name(), x, y).setMarker(SeriesMarkers.NONE);
        }
        // XChart puts the ticks on the data values when they are equally spaced, as claims bound (1, 2, 3, ...) are:
        // 40 labels 1, 27, 53, ... up the axis. One unseen point at half a claim gives it round steps (0, 100, 200).
        var grid = chart.addSeries("grid", List.of(0.0), List.of(0.5));
        grid.setMarker(SeriesMarkers.NONE);
        grid.setLineStyle(SeriesLines.NONE);
        grid.setShowInLegend(false);
        Files.writeString(dir.resolve("bound-over-time.csv"), curves);
        System.setProperty("java.awt.headless", "true");
        BitmapEncoder.saveBitmap(chart, dir.resolve("bound-over-time").toString(), BitmapEncoder.BitmapFormat.PNG);
        System.out.println("results in " + TestEnvironment.REPO.relativize(dir)
                + "/ (summary.csv, summary.md, bound-over-time.csv, bound-over-time.png)");
    }

    private static String seconds(double s) {
        return figure("%.2f", s);
    }

    /** A measured figure, or "-" where it was not measured (NaN). */
    private static String figure(String format, double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
    }
}
