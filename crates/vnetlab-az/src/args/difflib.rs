//! Python's `difflib.get_close_matches`, which azure-cli uses for "Did you mean ...?".
//!
//! A port of `SequenceMatcher` (no junk function; `autojunk` only matters from 200
//! characters on, and is kept) so that suggestions match az's: the score is
//! `2 * matched / (len(a) + len(b))`, candidates below the cutoff are dropped, and the best
//! `n` are returned by score, ties going to the larger string (`heapq.nlargest` on
//! `(score, word)` tuples).

use std::collections::HashMap;

/// The longest matching block of `a[alo..ahi]` and `b[blo..bhi]`: (i, j, size).
fn find_longest_match(
    a: &[char],
    b: &[char],
    b2j: &HashMap<char, Vec<usize>>,
    (alo, ahi): (usize, usize),
    (blo, bhi): (usize, usize),
) -> (usize, usize, usize) {
    let (mut besti, mut bestj, mut bestsize) = (alo, blo, 0);
    let mut j2len: HashMap<usize, usize> = HashMap::new();
    for (i, ch) in a.iter().enumerate().take(ahi).skip(alo) {
        let mut newj2len = HashMap::new();
        for &j in b2j.get(ch).map(Vec::as_slice).unwrap_or(&[]) {
            if j < blo {
                continue;
            }
            if j >= bhi {
                break;
            }
            let k = j
                .checked_sub(1)
                .and_then(|p| j2len.get(&p))
                .copied()
                .unwrap_or(0)
                + 1;
            newj2len.insert(j, k);
            if k > bestsize {
                besti = i + 1 - k;
                bestj = j + 1 - k;
                bestsize = k;
            }
        }
        j2len = newj2len;
    }
    // Extend over equal elements that `b2j` dropped as "popular" (autojunk).
    while besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1] {
        besti -= 1;
        bestj -= 1;
        bestsize += 1;
    }
    while besti + bestsize < ahi
        && bestj + bestsize < bhi
        && a[besti + bestsize] == b[bestj + bestsize]
    {
        bestsize += 1;
    }
    (besti, bestj, bestsize)
}

/// `SequenceMatcher(None, a, b).ratio()`.
pub fn ratio(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    let mut b2j: HashMap<char, Vec<usize>> = HashMap::new();
    for (j, ch) in b.iter().enumerate() {
        b2j.entry(*ch).or_default().push(j);
    }
    if b.len() >= 200 {
        let ntest = b.len() / 100 + 1;
        b2j.retain(|_, idxs| idxs.len() <= ntest);
    }
    let mut matched = 0;
    let mut queue = vec![((0, a.len()), (0, b.len()))];
    while let Some(((alo, ahi), (blo, bhi))) = queue.pop() {
        let (i, j, k) = find_longest_match(&a, &b, &b2j, (alo, ahi), (blo, bhi));
        if k > 0 {
            matched += k;
            if alo < i && blo < j {
                queue.push(((alo, i), (blo, j)));
            }
            if i + k < ahi && j + k < bhi {
                queue.push(((i + k, ahi), (j + k, bhi)));
            }
        }
    }
    2.0 * matched as f64 / total as f64
}

/// `difflib.get_close_matches(word, possibilities, n, cutoff)`.
pub fn get_close_matches<'a, I>(word: &str, possibilities: I, n: usize, cutoff: f64) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut scored: Vec<(f64, &str)> = possibilities
        .into_iter()
        .map(|x| (ratio(x, word), x))
        .filter(|(score, _)| *score >= cutoff)
        .collect();
    scored.sort_by(|(sa, xa), (sb, xb)| sb.total_cmp(sa).then_with(|| xb.cmp(xa)));
    scored.into_iter().take(n).map(|(_, x)| x).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_match_python() {
        // Values computed with CPython's difflib.
        assert_eq!(ratio("show", "shw"), 6.0 / 7.0);
        assert_eq!(ratio("Tcp", "tcpp"), 4.0 / 7.0);
        assert_eq!(ratio("", ""), 1.0);
        assert_eq!(ratio("abcd", "bcda"), 0.75);
    }

    #[test]
    fn close_matches_order_and_cutoff() {
        let words = ["show", "list", "create", "delete", "update"];
        assert_eq!(get_close_matches("shw", words, 3, 0.7), vec!["show"]);
        assert_eq!(get_close_matches("xyz", words, 3, 0.7), Vec::<&str>::new());
        // Equal scores: the larger string first.
        assert_eq!(
            get_close_matches("ab", ["ac", "ad"], 3, 0.0),
            vec!["ad", "ac"]
        );
    }
}
