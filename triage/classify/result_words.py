"""The words and patterns results are written in: the tokens of a clause, the words that link a
name to its value or carry a series on, trend words, and what makes a number not a result.
results.py reads with them."""

from __future__ import annotations

import re

# Characters written in several ways, folded one for one so that places in the text still hold.
FOLD = str.maketrans({"µ": "u", "μ": "u", "×": "x", "⁹": "9", "°": " ", "–": "-", "—": "-",
                       "≤": "<", "≥": ">", "→": ",", "\u00a0": " "})  # fmt: skip

MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE = (
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}(?:\s+\d{{4}}|\s+\d{{2}}(?!\d))?"
    rf"|{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?(?![\d.])|{MONTH}\s+\d{{4}}"
)
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
TOKEN = re.compile(
    r"(?P<open>\()"
    r"|(?P<space>[\s|:=)\[\]'\"]+)"
    r"|(?P<range>(?:ref(?:erence)?\s*(?:range)?|normal\s*(?:range)?|nr|range)?\s*[:=]?\s*"
    rf"(?P<low>{NUMBER})\s*(?:-|to)\s*(?P<high>{NUMBER})(?=\s*\))"
    r"|(?:ref(?:erence)?\s*range|normal\s*range|nr)\s*[:=]?\s*"
    rf"(?P<low2>{NUMBER})\s*(?:-|to)\s*(?P<high2>{NUMBER}))"
    rf"|(?P<date>(?:{DATE}))(?![\d/]|\.\d)"
    r"|(?P<pair>(?P<first>\d{2,3})\s*/\s*(?P<second>\d{2,3}))(?![\d/])"
    r"|(?P<arrow>-+>|=>)"
    rf"|(?P<cmp>[<>]=?)?\s*(?P<number>{NUMBER})(?![\d])"
    r"|(?P<word>[a-z][a-z']*)"
    r"|(?P<end>[.;!?](?=\s|$)|\n[ \t]*\n)"
    r"|(?P<other>.)",
    re.DOTALL,
)
# After a result's name, its usual clause: linking words, then one number and perhaps a unit.
# Read in the same match as the name (_simply_named), so that "INR 6.2 today" or "Hb: 98 g/L,"
# costs one step; anything else is read word by word (_read_clause).
LINK = (
    r"(?:[ \t:=]+|[ \t]+(?:is|was|of|at|now|today|level|levels|measured|recorded|result|"
    r"currently|remains)(?![a-z]))*[ \t]*"
)
SIMPLE_CLAUSE = LINK + r"(?P<cmp>[<>]=?)?[ \t]*(?P<number>\d{1,4}(?:\.\d+)?)(?!\d|,\d|\.\d|[/.-]\d)"
# After a value: what may carry the clause on to more than one value, or make it something else.
GOES_ON = re.compile(
    r"[ \t]*(?:[(\[]|-+>|=>|/|-\s*\d|,[ \t]*(?:\d|[a-z]+[ \t]+\d|then|and|now|previously|"
    r"up|down|from|to|was|rising|falling)|(?:then|to|and|now|previously|prior|from|up|down|"
    r"rising|risen|falling|fallen|was|were|since|vs|versus|compared|before|after|on|in)(?![a-z])"
    r"|[<>]?\d)"
)
# What a number followed by these is: not a result.
NOT_A_RESULT = re.compile(
    r"[ \t]*(?:"
    r"(?:mg|mcg|micrograms?|milligrams?|grams?|g|ml|units?|iu|tablets?|tabs?|capsules?|caps?"
    r"|puffs?|drops?|sachets?|doses?|injections?)(?![a-z/])"
    r"|-?\s*(?:monthly|weekly|daily|yearly|annually|hourly|fortnightly|nightly"
    r"|months?|weeks?|days?|years?|yrs?|hours?|hrs?|h|mins?|minutes?|times|x(?![a-z0-9]))(?![a-z])"
    r"|/(?:52|12|7|365)(?!\d)"
    r"|:\d\d"  # a time
    r")"
)


def word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words after which a number is something other than the result's value.
NOT_A_VALUE = word_set(
    "target aim goal due every dose doses dosing next repeat repeated recheck tel telephone "
    "phone fax hospital hosp number no nhs mrn id range between above below over under "
    "exceeds exceed exceeding beyond than threshold"
)
# Words whose own number follows them ("aged 72", "ward 4"): that number is passed over.
OWN_NUMBER = word_set("age aged ward bed room page ext extension bleep")
MONTHS = "january february march april may june july august september october november december"
# Words that may stand between a name and its value, or between two values of a series.
SERIES_WORDS = (
    word_set(
        "and now then to from since previously prior was were is been has have had up down at "
        "further latest last most recent recently subsequently currently today compared with vs "
        "versus before after on in of the a an which this time risen rose rising increased "
        "increasing fallen fell falling dropped decreased decreasing reduced climbed gone went "
        "back again around approximately about"
    )
    | word_set(MONTHS)
    | word_set(
        # "from undetectable after radical prostatectomy to 0.4": the treatment a series is measured
        # from carries it on, rather than ending it before the rise
        "following post radical robotic prostatectomy surgery operation radiotherapy brachytherapy "
        "treatment therapy"
    )
)
EARLIER_NEXT = frozenset({"previously", "prior", "from", "was", "were"})  # after a first value
RISE_WORDS = word_set(
    "rising risen rose rise rises increased increasing increase increases climbing climbed "
    "doubled doubling higher worsening uptrending"
)
FALL_WORDS = word_set(
    "falling fallen fell fall falls dropped dropping drop drops decreased decreasing "
    "decrease declining declined decline reduced reducing reduction lower halved "
    "deteriorating"
)
STEADY_WORDS = word_set("stable steady unchanged static")
# "gone up", "crept down": "up" and "down" say a trend only after a verb of moving.
MOVING = word_set("gone going went come coming crept creeping creep trending moved moving")
PERCENT_BEFORE = re.compile(r"(?<![\d.])(?P<number>\d+(?:\.\d+)?)\s*%\s*(?:of\s+(?:the\s+)?)?$")
CONDITIONS = word_set("if should when whenever unless target aim goal")
ALSO_UNITS = frozenset({"mg"})  # names that are also units after a number
UNDETECTABLE = frozenset({"undetectable", "undetected", "unrecordable", "unmeasurable"})
TREND_OR_VALUE = RISE_WORDS | FALL_WORDS | UNDETECTABLE | {"up", "down"}
DIGIT = re.compile(r"\d")
NAMES_AND_WORDS = re.compile(r"[a-z%][a-z0-9%]*")  # words, and names with digits ("b12")
TREND_WORD = re.compile(
    r"(?<![a-z])(?:" + "|".join(sorted(TREND_OR_VALUE, key=len, reverse=True)) + r")(?![a-z])"
)
WORDS_AFTER_A_NAME = 12  # more than a clause holds before its value (dates and ranges included)
PERCENT_NAMES = frozenset({"mbmi", "median", "percentage", "percent"})  # "78% of median BMI"
VALUE_AT_MOST = 90  # characters from a name to its value: seven words and a date fit
CLAUSE_AT_MOST = 160  # characters: a clause of results rarely runs longer
WORDS_BEFORE_VALUE = 7  # words a clause may hold between the name and the value
WORDS_BETWEEN_VALUES = 4
LOOK_BACK = 25  # characters before a name searched for "rising", "drop in"
