#!/usr/bin/env bash
# Every relative link in README.md and docs/ must point to a file or directory of the checkout, and a link
# with a #fragment into a Markdown file to one of its headings (slugged as GitHub does: lowercase, punctuation
# dropped, spaces as hyphens). Links with a scheme (https:, mailto:) are not followed.
set -euo pipefail
cd "$(dirname "$0")/../.."

slugs() {
    grep -E '^#{1,6} ' "$1" | sed -E 's/^#+ +//; s/ +$//' | tr '[:upper:]' '[:lower:]' \
        | sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'
}

failures=0
while IFS= read -r page; do
    while IFS= read -r link; do
        target="${link%%#*}"
        fragment=""
        [[ "$link" == *"#"* ]] && fragment="${link#*#}"
        if [[ -z "$target" ]]; then
            path="$page"
        else
            path="$(dirname "$page")/$target"
        fi
        if [[ ! -e "$path" ]]; then
            echo "$page: link to '$link': no such file" >&2
            failures=$((failures + 1))
        elif [[ -n "$fragment" && "$path" == *.md ]] && ! slugs "$path" | grep -qxF -- "$fragment"; then
            echo "$page: link to '$link': no heading '#$fragment' in $path" >&2
            failures=$((failures + 1))
        fi
    done < <(grep -oE '\]\([^)[:space:]]+\)' "$page" | sed -E 's/^\]\(//; s/\)$//' | grep -vE '^[a-z][a-z0-9+.-]*:' || true)
done < <(find README.md docs -name '*.md' | sort)

if ((failures > 0)); then
    echo "$failures broken link(s) in the documentation" >&2
    exit 1
fi
echo "documentation links: all relative links resolve"
