#!/usr/bin/env bash
# Refresh the translations: extract the msgids from crm/, merge them into the zh_CN
# catalogue, fill in the Chinese from scripts/translate_zh.py, compile the .mo.
# Run from the repository root. The .po and .mo are committed: nothing runs at install.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=crm/translations
POT="$DIR/messages.pot"
# Babel reads the locale zh_CN as zh_Hans_CN and Flask-Babel looks for that directory
# name (a zh_CN directory is silently ignored), so the catalogue lives in zh_Hans_CN.
LOCALE=zh_Hans_CN
PO="$DIR/$LOCALE/LC_MESSAGES/messages.po"
mkdir -p "$DIR"

# babel.cfg limits extraction to crm/ (python under crm/, templates under crm/web/templates).
# No locations: line numbers would change the catalogue on every unrelated edit.
pybabel extract -F babel.cfg --no-location --sort-output \
    -k _l -k lazy_gettext -k N_ -k "lazy_ngettext:1,2" \
    --project ExpoLead --copyright-holder ExpoLead \
    -o "$POT" .

# No fuzzy matching: a guessed translation of a similar msgid is worse than none.
# Update only when a msgid changed, so a run with nothing new leaves the .po (and its
# POT-Creation-Date) untouched.
if [[ ! -f "$PO" ]]; then
    pybabel init -i "$POT" -d "$DIR" -l "$LOCALE"
elif ! pybabel update -i "$POT" -d "$DIR" -l "$LOCALE" --ignore-obsolete \
        --no-fuzzy-matching --check --ignore-pot-creation-date >/dev/null 2>&1; then
    pybabel update -i "$POT" -d "$DIR" -l "$LOCALE" --ignore-obsolete --no-fuzzy-matching
fi

# Fill every msgstr from the dictionary; fails listing any msgid it has no Chinese for.
python scripts/translate_zh.py "$PO"

pybabel compile -d "$DIR" --statistics
