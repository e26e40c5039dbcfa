//! The document component: a Markdown text kept in a mart (the model card) shown as
//! HTML. Only Markdown's own structure survives: raw HTML in the text is shown as
//! text, images become their alt text, links keep only their text, and headings are
//! moved two levels down so they sit under the component's own `<h2>`.

use pulldown_cmark::{html, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::{at, ComponentView, Mart, RenderError};
use crate::dashboard::spec::Document;
use crate::table::Cell;

pub(super) fn document(
    d: &Document,
    id: String,
    mart: &Mart,
) -> Result<ComponentView, RenderError> {
    let i = mart.index(&d.column)?;
    let html = match mart.table.rows.last().map(|r| at(r, i)) {
        Some(Cell::Text(text)) => Some(to_html(text)),
        _ => None,
    };
    Ok(ComponentView::Document {
        id,
        title: d.title.clone(),
        caption: d.caption.clone(),
        html,
        folded: d.folded,
    })
}

fn lower(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// Markdown to HTML that holds no markup the text did not earn through Markdown.
pub fn to_html(markdown: &str) -> String {
    let events =
        Parser::new_ext(markdown, Options::ENABLE_TABLES).filter_map(|event| match event {
            // Raw HTML is shown as the text it is, escaped by the HTML writer.
            Event::Html(s) | Event::InlineHtml(s) => Some(Event::Text(s)),
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => Some(Event::Start(Tag::Heading {
                level: lower(level),
                id,
                classes,
                attrs,
            })),
            Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(lower(level)))),
            // No links or images leave the page: their text stays.
            Event::Start(Tag::Link { .. } | Tag::Image { .. })
            | Event::End(TagEnd::Link | TagEnd::Image) => None,
            other => Some(other),
        });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn raw_html_in_the_markdown_is_shown_as_text() {
        let html =
            to_html("Tekst <script>alert(1)</script> og <b>fed</b>\n\n<div onclick=x>blok</div>\n");
        assert!(!html.contains("<script") && !html.contains("<b>") && !html.contains("<div"));
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn headings_move_under_the_components_own_heading() {
        let html = to_html("# Modelkort\n\n## Formål\n\ntekst");
        assert!(
            html.contains("<h3>Modelkort</h3>") && html.contains("<h4>Formål</h4>"),
            "{html}"
        );
        assert!(!html.contains("<h1>") && !html.contains("<h2>"));
    }

    #[test]
    fn links_and_images_keep_only_their_text() {
        let html = to_html("[klik](https://example.com) ![billede](x.png)");
        assert!(!html.contains("href") && !html.contains("<img"), "{html}");
        assert!(html.contains("klik"));
    }

    #[test]
    fn tables_and_emphasis_survive() {
        let html = to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n**fed** og *kursiv*");
        assert!(
            html.contains("<table>") && html.contains("<strong>fed</strong>"),
            "{html}"
        );
    }
}
