//! Python's `textwrap.TextWrapper.fill`, as knack's help formatter configures it
//! (`replace_whitespace=False`, everything else default: `break_on_hyphens`,
//! `break_long_words`, `drop_whitespace`, tabs expanded to 8 columns).
//!
//! Text is cut into chunks like `TextWrapper.wordsep_re` does: runs of whitespace, words,
//! and word pieces ending in a hyphen that sits between letters (`yaml-` | `file`), so that
//! help lines break where az's do. Widths count characters, as Python's `len` does.

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `[^\d\W]`: a word character that is not a digit.
fn is_letter(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// `[\w!"'&.,?]`: what may precede an em-dash.
fn is_word_punct(c: char) -> bool {
    is_word(c) || "!\"'&.,?".contains(c)
}

/// Whether `chars[j] == '-'` ends a hyphenated word piece (wordsep_re's hyphen rule).
fn hyphen_breaks(chars: &[char], j: usize) -> bool {
    let at = |k: usize| chars.get(k).copied();
    let letter = |k: usize| at(k).is_some_and(is_letter);
    let behind = (j >= 2 && letter(j - 2) && letter(j - 1))
        || (j >= 3 && letter(j - 3) && at(j - 2) == Some('-') && letter(j - 1));
    let ahead = letter(j + 1) && (letter(j + 2) || (at(j + 2) == Some('-') && letter(j + 3)));
    behind && ahead
}

/// The length of a run of 2+ hyphens at `j` followed by a word character (an em-dash), or 0.
fn em_dash_len(chars: &[char], j: usize) -> usize {
    let run = chars[j..].iter().take_while(|&&c| c == '-').count();
    if run >= 2 && chars.get(j + run).copied().is_some_and(is_word) {
        run
    } else {
        0
    }
}

/// `TextWrapper._split`.
fn split_chunks(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let mut chunks = Vec::new();
    let mut i = 0;
    while i < n {
        let end = if is_ws(chars[i]) {
            i + chars[i..].iter().take_while(|&&c| is_ws(c)).count()
        } else if i > 0 && is_word_punct(chars[i - 1]) && em_dash_len(&chars, i) > 0 {
            i + em_dash_len(&chars, i)
        } else {
            let mut j = i + 1;
            loop {
                if j >= n || is_ws(chars[j]) {
                    break j;
                }
                if chars[j] == '-' && hyphen_breaks(&chars, j) {
                    break j + 1;
                }
                if chars[j] == '-' && is_word_punct(chars[j - 1]) && em_dash_len(&chars, j) > 0 {
                    break j;
                }
                j += 1;
            }
        };
        chunks.push(chars[i..end].iter().collect());
        i = end;
    }
    chunks
}

fn expand_tabs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut column = 0;
    for c in text.chars() {
        match c {
            '\t' => {
                let spaces = 8 - column % 8;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            '\n' | '\r' => {
                out.push(c);
                column = 0;
            }
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

fn len(s: &str) -> usize {
    s.chars().count()
}

/// `TextWrapper(width, initial_indent, subsequent_indent, replace_whitespace=False).wrap`.
pub(crate) fn wrap(
    text: &str,
    width: usize,
    initial_indent: &str,
    subsequent_indent: &str,
) -> Vec<String> {
    let mut chunks = split_chunks(&expand_tabs(text));
    chunks.reverse();
    let mut lines: Vec<String> = Vec::new();
    while !chunks.is_empty() {
        let indent = if lines.is_empty() {
            initial_indent
        } else {
            subsequent_indent
        };
        let room = width as isize - len(indent) as isize;
        if !lines.is_empty()
            && chunks
                .last()
                .is_some_and(|c| c.trim_matches(is_ws).is_empty())
        {
            chunks.pop();
        }
        let mut line: Vec<String> = Vec::new();
        let mut used: isize = 0;
        while let Some(chunk) = chunks.last() {
            let l = len(chunk) as isize;
            if used + l > room {
                break;
            }
            used += l;
            line.extend(chunks.pop());
        }
        if let Some(chunk) = chunks.last_mut() {
            if len(chunk) as isize > room {
                // _handle_long_word: break the word, preferably after a hyphen.
                let space_left = if room < 1 {
                    1
                } else {
                    (room - used).max(0) as usize
                };
                let piece: Vec<char> = chunk.chars().collect();
                let mut end = space_left.min(piece.len());
                if piece.len() > space_left {
                    if let Some(h) = piece[..space_left].iter().rposition(|&c| c == '-') {
                        if h > 0 && piece[..h].iter().any(|&c| c != '-') {
                            end = h + 1;
                        }
                    }
                }
                line.push(piece[..end].iter().collect());
                *chunk = piece[end..].iter().collect();
                if chunk.is_empty() {
                    chunks.pop();
                }
            }
        }
        if line
            .last()
            .is_some_and(|c| c.trim_matches(is_ws).is_empty())
        {
            line.pop();
        }
        if !line.is_empty() {
            lines.push(format!("{indent}{}", line.concat()));
        }
    }
    lines
}

/// `TextWrapper.fill`: the wrapped lines joined by newlines (empty for blank text).
pub(crate) fn fill(
    text: &str,
    width: usize,
    initial_indent: &str,
    subsequent_indent: &str,
) -> String {
    wrap(text, width, initial_indent, subsequent_indent).join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_like_wordsep_re() {
        assert_eq!(
            split_chunks("json-file and yaml-file."),
            ["json-", "file", " ", "and", " ", "yaml-", "file."]
        );
        assert_eq!(
            split_chunks("--allow-gateway-transit"),
            ["--allow-", "gateway-", "transit"]
        );
        assert_eq!(split_chunks("a  b"), ["a", "  ", "b"]);
        assert_eq!(split_chunks("10.0.0.0/16 x-1"), ["10.0.0.0/16", " ", "x-1"]);
    }

    #[test]
    fn fills_with_hanging_indent() {
        let text = "aaa bbb ccc ddd";
        assert_eq!(fill(text, 9, "  ", "    "), "  aaa bbb\n    ccc\n    ddd");
        assert_eq!(fill("", 10, "  ", "  "), "");
        assert_eq!(fill("x  ", 10, "", ""), "x");
    }
}
