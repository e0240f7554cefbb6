//! `-h/--help` text, laid out like knack's `CLIHelp` (`knack/help.py`) as azure-cli 2.91
//! prints it: a `Command`/`Group` header with the summary, the arguments grouped and sorted
//! (main arguments first, then the named groups alphabetically, `Global Arguments` last;
//! required ones first inside a group), each line wrapped at 100 columns with a hanging
//! indent under the ` : ` column, then `Examples`. Groups list `Subgroups:` and `Commands:`.

use super::spec::{self, global_args, ArgSpec, Child, CommandSpec, GlobalRole};
use super::textwrap::fill;
use super::values::{py_str, py_truthy};

const WIDTH: usize = 100;
const FIRST_LINE_PREFIX: &str = " : ";
const PREVIEW_MESSAGE: &str =
    "This command is in preview and under development. Reference and support levels: https://aka.ms/CLI_refstatus";

const WELCOME_MESSAGE: &str = r"
     /\
    /  \    _____   _ _  ___ _
   / /\ \  |_  / | | | \'__/ _\
  / ____ \  / /| |_| | | |  __/
 /_/    \_\/___|\__,_|_|  \___|


Welcome to the cool new Azure CLI!

Use `az --version` to display the current version.
Here are the base commands:
";

/// knack's `_print_indent`: every paragraph wrapped and printed on its own.
fn print_indent(out: &mut String, text: &str, indent: usize, hanging: Option<usize>) {
    let initial = "    ".repeat(indent);
    let subsequent = hanging
        .map(|n| " ".repeat(n))
        .unwrap_or_else(|| initial.clone());
    for paragraph in text.split('\n') {
        out.push_str(&fill(paragraph, WIDTH, &initial, &subsequent));
        out.push('\n');
    }
}

/// `HelpObject._normalize_text`: capitalised, ending in a period.
fn normalize_text(s: &str) -> String {
    if s.chars().count() < 2 {
        return s.to_string();
    }
    let s = s.trim();
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let period = if s.ends_with(['.', '!', '?']) {
        ""
    } else {
        "."
    };
    format!("{}{}{period}", first.to_uppercase(), chars.as_str())
}

fn hanging_indent(max_len: usize, indent: usize) -> usize {
    max_len + indent * 4 + FIRST_LINE_PREFIX.len() - 1
}

/// One line of an argument or child listing.
struct Layout {
    name: String,
    tags: String,
    summary: String,
    group: Option<String>,
    sort_key: String,
}

impl Layout {
    /// knack's `_get_line_len`.
    fn line_len(&self) -> usize {
        let tags = self.tags.chars().count();
        self.name.chars().count() + tags + if tags > 0 { 2 } else { 1 }
    }

    fn render(&self, max_len: usize) -> String {
        let pad = (max_len + usize::from(!self.tags.is_empty())).saturating_sub(self.line_len());
        let separator = if self.summary.is_empty() {
            ""
        } else {
            FIRST_LINE_PREFIX
        };
        format!(
            "{}{}{}{separator}{}",
            self.name,
            " ".repeat(pad),
            self.tags,
            self.summary
        )
    }
}

fn tags(deprecated: bool, preview: bool, required: bool) -> String {
    let mut tags = Vec::new();
    if deprecated {
        tags.push("[Deprecated]");
    }
    if preview {
        tags.push("[Preview]");
    }
    if required {
        tags.push("[Required]");
    }
    tags.join(" ")
}

/// `_build_short_summary`: the help text, its allowed values and its default.
fn arg_summary(arg: &ArgSpec) -> String {
    let mut summary = normalize_text(&arg.help);
    if let Some(i) = summary.find(" Possible values include") {
        summary.truncate(i);
    }
    if let Some(choices) = arg.choices.as_ref().filter(|c| !c.is_empty()) {
        let mut sorted = choices.clone();
        sorted.sort();
        summary.push_str(&format!("  Allowed values: {}.", sorted.join(", ")));
    }
    if let Some(default) = arg.default.as_ref().filter(|d| py_truthy(d)) {
        summary.push_str(&format!("  Default: {}.", py_str(default)));
    }
    summary.trim().to_string()
}

fn header(out: &mut String, kind: &str, name: &str, summary: &str, long_summary: &str) {
    out.push('\n');
    out.push_str(kind);
    out.push('\n');
    let summary = normalize_text(summary);
    let title = if name.is_empty() {
        "az".to_string()
    } else {
        format!("az {name}")
    };
    let line = if summary.is_empty() {
        title
    } else {
        format!("{title}{FIRST_LINE_PREFIX}{summary}")
    };
    print_indent(out, &line, 1, None);
    print_indent(out, long_summary, 2, None);
    if !long_summary.is_empty() {
        out.push('\n');
    }
}

fn examples(out: &mut String, examples: &[spec::Example]) {
    if examples.is_empty() {
        return;
    }
    out.push_str("Examples\n");
    for ex in examples {
        print_indent(out, &ex.name, 1, None);
        print_indent(out, &ex.text, 2, None);
        out.push('\n');
    }
}

/// The arguments of `spec` as knack lists them: every option of the command's parser.
fn arg_layouts(spec: &CommandSpec) -> Vec<Layout> {
    let mut params: Vec<(&ArgSpec, Option<String>, bool)> = Vec::new();
    for (role, arg) in global_args() {
        if *role == GlobalRole::Subscription && spec.owns_subscription() {
            continue;
        }
        let group = if *role == GlobalRole::Subscription && spec.ids {
            "Resource Id Arguments"
        } else {
            "Global Arguments"
        };
        params.push((arg, Some(group.to_string()), false));
    }
    for arg in &spec.args {
        params.push((
            arg,
            arg.group.as_ref().map(|g| format!("{g} Arguments")),
            arg.required_for(spec),
        ));
    }
    // ArgumentGroupRegistry: main arguments, named groups alphabetically, Global last.
    let mut named: Vec<&str> = params
        .iter()
        .filter_map(|(_, g, _)| g.as_deref())
        .filter(|g| *g != "Global Arguments")
        .collect();
    named.sort();
    named.dedup();
    let priority = |group: &Option<String>| match group.as_deref() {
        None => 0,
        Some("Global Arguments") => 1000,
        Some(g) => named
            .iter()
            .position(|n| *n == g)
            .map(|p| p + 2)
            .unwrap_or(0),
    };
    let mut layouts: Vec<Layout> = params
        .iter()
        .map(|(arg, group, required)| {
            let mut opts: Vec<&str> = arg.opts.iter().map(String::as_str).collect();
            opts.sort();
            let name = opts.join(" ");
            let python_bool = if *required { "False" } else { "True" };
            Layout {
                sort_key: format!("{:06}{python_bool}{name}", priority(group)),
                tags: tags(false, arg.preview, *required),
                summary: arg_summary(arg),
                group: group.clone(),
                name,
            }
        })
        .collect();
    layouts.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
    layouts
}

/// The help of a command (`az network vnet create -h`).
pub(crate) fn command_help(spec: &CommandSpec) -> String {
    let mut out = String::new();
    let mut long = spec
        .long_summary
        .as_deref()
        .map(normalize_text)
        .unwrap_or_default();
    if spec.preview {
        long = if long.is_empty() {
            PREVIEW_MESSAGE.to_string()
        } else {
            format!("{long}\n{PREVIEW_MESSAGE}")
        };
    }
    header(&mut out, "Command", &spec.name, &spec.summary, &long);
    out.push_str("Arguments\n");
    let layouts = arg_layouts(spec);
    let max_len = layouts.iter().map(Layout::line_len).max().unwrap_or(0);
    let mut last_group: Option<Option<String>> = None;
    for layout in &layouts {
        if last_group.as_ref() != Some(&layout.group) {
            if let Some(group) = &layout.group {
                out.push('\n');
                out.push_str(group);
                out.push('\n');
            }
            last_group = Some(layout.group.clone());
        }
        print_indent(
            &mut out,
            &layout.render(max_len),
            1,
            Some(hanging_indent(max_len, 1)),
        );
    }
    out.push('\n');
    examples(&mut out, &spec.examples);
    out
}

/// The help of a group (`az network vnet -h`); `""` is the root (`az -h`).
pub(crate) fn group_help(name: &str) -> String {
    let mut out = String::new();
    let group = spec::group(name);
    let summary = group.map(|g| g.summary.as_str()).unwrap_or("");
    let long = group
        .and_then(|g| g.long_summary.as_deref())
        .map(normalize_text)
        .unwrap_or_default();
    header(&mut out, "Group", name, summary, &long);
    let mut subgroups = Vec::new();
    let mut commands = Vec::new();
    for (word, child) in spec::children(name) {
        let (summary, preview, list) = match child {
            Child::Group(g) => (g.summary.as_str(), false, &mut subgroups),
            Child::Command(c) => (c.summary.as_str(), c.preview, &mut commands),
        };
        list.push(Layout {
            name: word.to_string(),
            tags: tags(false, preview, false),
            summary: normalize_text(summary),
            group: None,
            sort_key: word.to_string(),
        });
    }
    let max_len = subgroups
        .iter()
        .chain(&commands)
        .map(Layout::line_len)
        .max()
        .unwrap_or(0);
    for (title, items) in [("Subgroups:", &subgroups), ("Commands:", &commands)] {
        if items.is_empty() {
            continue;
        }
        out.push_str(title);
        out.push('\n');
        for item in items.iter() {
            print_indent(
                &mut out,
                &item.render(max_len),
                1,
                Some(hanging_indent(max_len, 1)),
            );
        }
        out.push('\n');
    }
    if let Some(g) = group {
        examples(&mut out, &g.examples);
    }
    out
}

/// What a bare `az` prints: the banner and the top-level groups.
pub(crate) fn welcome() -> String {
    let mut out = String::new();
    print_indent(&mut out, WELCOME_MESSAGE, 0, None);
    let children = spec::children("");
    let width = children
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0);
    for (word, child) in children {
        let summary = match child {
            Child::Group(g) => normalize_text(&g.summary),
            Child::Command(c) => normalize_text(&c.summary),
        };
        let line = format!(
            "{word}{}{FIRST_LINE_PREFIX}{summary}",
            " ".repeat(width - word.chars().count())
        );
        print_indent(&mut out, &line, 1, Some(hanging_indent(width, 1)));
    }
    out
}
