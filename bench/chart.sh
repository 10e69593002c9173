#!/usr/bin/env bash
# Draws the ratios of a results.json against their goals as an SVG chart: one horizontal bar per ratio
# (ours / reference) on a logarithmic axis (ratios span 0.01 to 10), grouped by case, the goal as a
# vertical marker across its bar. A bar is green when its goal is met, red when it is not and grey when
# the ratio has no goal (shown for context); the text beside each bar says the same, so the chart reads
# without colour.
#
#   bench/chart.sh RESULTS_JSON >results.svg
set -euo pipefail

JSON=${1:?usage: bench/chart.sh RESULTS_JSON >results.svg}
[ -r "$JSON" ] || { printf 'chart: cannot read %s\n' "$JSON" >&2; exit 1; }

# One tab-separated line per row, in the order of the results: a "header", then per case a "case" line
# followed by its "ratio" lines. Tabs and newlines inside text would break the fields: they become spaces.
rows=$(jq -r '
    def clean: tostring | gsub("[\t\n\r]"; " ");
    def text_or_empty: if . == null then "" else tostring end;
    . as $results
    | (["header", ($results.generated | clean), (if $results.smoke then "smoke" else "" end)] | @tsv),
      (($results.cases | keys_unsorted[]) as $case
       | [$results.comparisons[] | select(.case == $case)] as $comparisons
       | select($comparisons | length > 0)
       | (["case", ($results.cases[$case] | clean)] | @tsv),
         ($comparisons[]
          | ["ratio", (.comparison | clean), (.ratio | text_or_empty), (.goal | text_or_empty), .better,
             (if .met == null then "none" elif .met then "met" else "NOT met" end)] | @tsv))
' "$JSON") || { printf 'chart: %s is not a results.json of bench/run.sh\n' "$JSON" >&2; exit 1; }

awk -F '\t' '
function escape(s) {
    gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s)
    return s
}
# Titles longer than the label column are cut, the whole title staying in a tooltip.
function fit(s, chars) { return length(s) <= chars ? s : substr(s, 1, chars - 1) "\342\200\246" }
function log10(v) { return log(v) / log(10) }
function x_of(v) { return PLOT_X + (log10(v) - LOG_LO) / (LOG_HI - LOG_LO) * PLOT_W }
function floor_of(v) { return v == int(v) || v >= 0 ? int(v) : int(v) - 1 }
function ceil_of(v) { return v == int(v) || v < 0 ? int(v) : int(v) + 1 }
function widen(v) { if (v > 0) { if (lo == "" || v < lo) lo = v; if (hi == "" || v > hi) hi = v } }

$1 == "header" { generated = $2; smoke = $3; next }
$1 == "case" { n++; kind[n] = "case"; label[n] = $2; next }
$1 == "ratio" {
    n++; kind[n] = "ratio"; label[n] = $2; ratio[n] = $3; goal[n] = $4; better[n] = $5; verdict[n] = $6
    bars += ($3 != ""); widen($3 + 0); widen($4 + 0)
}
END {
    if (lo == "") { lo = 0.1; hi = 10 }
    LOG_LO = floor_of(log10(lo) - 1e-9); LOG_HI = ceil_of(log10(hi) + 1e-9)
    if (LOG_HI - LOG_LO < 2) LOG_HI = LOG_LO + 2
    LABEL_CHARS = 86; PLOT_X = 580; PLOT_W = 420; TEXT_X = PLOT_X + PLOT_W + 12
    WIDTH = TEXT_X + 230; BAR_H = 13; ROW_H = 20; CASE_H = 30; TOP = 92
    y = TOP
    for (i = 1; i <= n; i++) { top[i] = y; y += kind[i] == "case" ? CASE_H : ROW_H }
    AXIS_Y = y + 6; HEIGHT = AXIS_Y + 48

    printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-labelledby=\"chart-title\">\n", WIDTH, HEIGHT, WIDTH, HEIGHT
    printf "<title id=\"chart-title\">Benchmark ratios (ours / reference) against their goals, %s</title>\n", escape(generated)
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
    printf "<text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\">Ratios ours / reference against their goals</text>\n"
    printf "<text x=\"10\" y=\"44\">Measured %s; %d ratios, logarithmic axis; for times lower is faster for us, for MB/s higher is better.%s</text>\n", escape(generated), bars, smoke != "" ? " Smoke run: tiny sizes, the numbers mean nothing." : ""
    # Legend: the three bar colours, each with its word, and the goal marker.
    legend_y = 58
    printf "<rect x=\"10\" y=\"%d\" width=\"14\" height=\"%d\" fill=\"#2e7d32\"/><text x=\"30\" y=\"%d\">goal met</text>\n", legend_y, BAR_H, legend_y + 11
    printf "<rect x=\"110\" y=\"%d\" width=\"14\" height=\"%d\" fill=\"#c62828\"/><text x=\"130\" y=\"%d\">goal NOT met</text>\n", legend_y, BAR_H, legend_y + 11
    printf "<rect x=\"240\" y=\"%d\" width=\"14\" height=\"%d\" fill=\"#9e9e9e\"/><text x=\"260\" y=\"%d\">no goal (context)</text>\n", legend_y, BAR_H, legend_y + 11
    printf "<line x1=\"400\" y1=\"%d\" x2=\"400\" y2=\"%d\" stroke=\"#000000\" stroke-width=\"2\"/><text x=\"408\" y=\"%d\">the goal (marker on its bar)</text>\n", legend_y - 2, legend_y + BAR_H + 2, legend_y + 11

    # Grid and axis: a line and a label at 1, 2 and 5 of every decade.
    printf "<g class=\"axis\" stroke=\"#dddddd\">\n"
    for (d = LOG_LO; d <= LOG_HI; d++) {
        for (m = 1; m <= 5; m += (m == 1 ? 1 : 3)) {
            v = m * 10 ^ d
            if (log10(v) > LOG_HI + 1e-9) break
            x = x_of(v)
            printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"%s/>\n", x, TOP, x, AXIS_Y, v == 1 ? " stroke=\"#777777\"" : ""
            printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\" fill=\"#000000\">%g</text>\n", x, AXIS_Y + 16, v
        }
    }
    printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000000\"/>\n", PLOT_X, AXIS_Y, PLOT_X + PLOT_W, AXIS_Y
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\" fill=\"#000000\">ratio ours / reference (log scale; 1 = as fast as the reference)</text>\n", PLOT_X + PLOT_W / 2, AXIS_Y + 36
    printf "</g>\n"

    for (i = 1; i <= n; i++) {
        if (kind[i] == "case") {
            printf "<text class=\"case\" x=\"10\" y=\"%d\" font-weight=\"bold\">%s<title>%s</title></text>\n", top[i] + 21, escape(fit(label[i], LABEL_CHARS + 20)), escape(label[i])
            continue
        }
        mid = top[i] + ROW_H / 2
        printf "<g class=\"row\">\n<text x=\"18\" y=\"%d\">%s<title>%s</title></text>\n", mid + 4, escape(fit(label[i], LABEL_CHARS)), escape(label[i])
        goal_text = goal[i] == "" ? "no goal" : sprintf("goal %s %s: %s", better[i] == "higher" ? "\342\211\245" : "\342\211\244", goal[i], verdict[i])
        if (ratio[i] == "") {
            printf "<text x=\"%d\" y=\"%d\">no ratio (reference took no time); %s</text>\n</g>\n", TEXT_X, mid + 4, goal_text
            continue
        }
        colour = verdict[i] == "met" ? "#2e7d32" : verdict[i] == "NOT met" ? "#c62828" : "#9e9e9e"
        # A ratio beyond the axis (never with the range above, but a bar must not leave the plot) is clamped.
        x = x_of(ratio[i]); if (x < PLOT_X + 1) x = PLOT_X + 1; if (x > PLOT_X + PLOT_W) x = PLOT_X + PLOT_W
        printf "<rect class=\"bar %s\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %s, %s</title></rect>\n", verdict[i] == "none" ? "context" : verdict[i] == "met" ? "met" : "not-met", PLOT_X, mid - BAR_H / 2, x - PLOT_X, BAR_H, colour, escape(label[i]), ratio[i], goal_text
        if (goal[i] != "") {
            gx = x_of(goal[i])
            printf "<line class=\"goal\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" stroke-width=\"2\"/>\n", gx, mid - BAR_H / 2 - 3, gx, mid + BAR_H / 2 + 3
        }
        printf "<text x=\"%d\" y=\"%d\"%s>%.3f \342\200\224 %s</text>\n</g>\n", TEXT_X, mid + 4, verdict[i] == "NOT met" ? " font-weight=\"bold\"" : "", ratio[i], goal_text
    }
    printf "</svg>\n"
}
' <<<"$rows"
