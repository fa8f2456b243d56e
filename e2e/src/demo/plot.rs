//! A small SVG line chart for the demo: stacked panels sharing a time axis, no dependencies.
//!
//! Pure: a [`Chart`] of panels and series in, SVG text out. Values outside a panel's range are
//! clamped to its edge so a spike never draws outside the picture.

use std::fmt::Write as _;

/// One line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// CSS colour.
    pub colour: &'static str,
    /// Dashed (for targets and limits).
    pub dashed: bool,
    /// (time in seconds, value) points in time order.
    pub points: Vec<(f64, f64)>,
}

/// One panel (its own y axis).
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Y axis title.
    pub title: String,
    /// Lines in this panel.
    pub series: Vec<Series>,
}

/// The chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Title on top.
    pub title: String,
    /// Panels, top to bottom.
    pub panels: Vec<Panel>,
}

const WIDTH: f64 = 900.0;
const PANEL_HEIGHT: f64 = 180.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 180.0;
const TOP: f64 = 40.0;
const GAP: f64 = 30.0;

/// A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`.
pub fn nice_max(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|v| *v >= max).unwrap_or(10.0 * power)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Renders the chart as a standalone SVG document.
pub fn render(chart: &Chart) -> String {
    let t_max = chart
        .panels
        .iter()
        .flat_map(|p| &p.series)
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let plot_w = WIDTH - LEFT - RIGHT;
    let height = TOP + chart.panels.len() as f64 * (PANEL_HEIGHT + GAP) + 20.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="22" font-size="16" font-weight="bold">{}</text>"#,
        escape(&chart.title)
    );
    for (i, panel) in chart.panels.iter().enumerate() {
        let top = TOP + i as f64 * (PANEL_HEIGHT + GAP);
        let bottom = top + PANEL_HEIGHT;
        let y_max =
            nice_max(panel.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max));
        let x = |t: f64| LEFT + (t / t_max).clamp(0.0, 1.0) * plot_w;
        let y = |v: f64| bottom - (v / y_max).clamp(0.0, 1.0) * PANEL_HEIGHT;
        let _ = writeln!(
            svg,
            r##"<rect x="{LEFT}" y="{top}" width="{plot_w}" height="{PANEL_HEIGHT}" fill="none" stroke="#999"/>"##
        );
        for k in 0..=4 {
            let v = y_max * f64::from(k) / 4.0;
            let _ = writeln!(
                svg,
                r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#eee"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
                LEFT + plot_w,
                LEFT - 6.0,
                y(v) + 4.0,
                trim(v),
                y = y(v)
            );
        }
        let _ = writeln!(
            svg,
            r#"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
            top + PANEL_HEIGHT / 2.0,
            escape(&panel.title)
        );
        for (j, s) in panel.series.iter().enumerate() {
            let points: Vec<String> =
                s.points.iter().map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v))).collect();
            let dash = if s.dashed { r#" stroke-dasharray="6 4""# } else { "" };
            let _ = writeln!(
                svg,
                r#"<polyline fill="none" stroke="{}" stroke-width="2"{dash} points="{}"/>"#,
                s.colour,
                points.join(" ")
            );
            let ly = top + 14.0 + j as f64 * 18.0;
            let lx = LEFT + plot_w + 12.0;
            let _ = writeln!(
                svg,
                r#"<line x1="{lx}" x2="{}" y1="{ly}" y2="{ly}" stroke="{}" stroke-width="2"{dash}/><text x="{}" y="{}">{}</text>"#,
                lx + 20.0,
                s.colour,
                lx + 26.0,
                ly + 4.0,
                escape(&s.label)
            );
        }
        if i + 1 == chart.panels.len() {
            for k in 0..=6 {
                let t = t_max * f64::from(k) / 6.0;
                let _ = writeln!(
                    svg,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}s</text>"#,
                    x(t),
                    bottom + 16.0,
                    t.round()
                );
            }
        }
    }
    svg.push_str("</svg>\n");
    svg
}

fn trim(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{}", v.round()) } else { format!("{v:.1}") }
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "nice_max returns exact powers of ten")]
mod tests {
    use super::*;

    fn chart() -> Chart {
        Chart {
            title: "demo <1>".into(),
            panels: vec![Panel {
                title: "replicas".into(),
                series: vec![Series {
                    label: "desired".into(),
                    colour: "blue",
                    dashed: false,
                    points: vec![(0.0, 2.0), (60.0, 8.0), (120.0, 3.0)],
                }],
            }],
        }
    }

    #[test]
    fn axis_maxima_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(8.0), 10.0);
        assert_eq!(nice_max(130.0), 200.0);
        assert_eq!(nice_max(45.0), 50.0);
        assert_eq!(nice_max(f64::NAN), 1.0);
    }

    #[test]
    fn a_series_becomes_a_polyline_spanning_the_plot() {
        let svg = render(&chart());
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        // t=0 at the left edge, t=120 at the right edge; 8 of 10 at 80% of the panel height.
        assert!(svg.contains(r#"points="70.0,184.0 395.0,76.0 720.0,166.0""#), "{svg}");
        assert!(svg.contains("demo &lt;1&gt;"), "titles are escaped");
    }
}
