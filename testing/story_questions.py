"""The team's own labelled questions about the bundled story, shared by the tests and the tuning protocol (bench/).

Each question lists the paragraphs that answer it (article id, paragraph number), judged by reading the two articles,
not by running the engine. Questions starting "who said" use the who command. They are a sanity check: no setting is
ever chosen on them (bench/README.md).
"""

from __future__ import annotations

OFFENSIVE = "harris-goes-on-offensive-on-immigration"
PANICKED = "harris-team-panicked-over-border-assignment"
# (question as typed, answering paragraphs). Questions starting "who said" use the who command.
QUESTIONS: list[tuple[str, set[tuple[str, int]]]] = [
    # Who said what.
    ("who said border czar", {(OFFENSIVE, 5), (OFFENSIVE, 8), (OFFENSIVE, 12), (PANICKED, 9), (PANICKED, 23)}),
    ("who said say it to my face", {(OFFENSIVE, 4)}),
    ("who said Donald Trump does not care about border security", {(OFFENSIVE, 3)}),
    ("who said I will proudly put my record against his any day", {(OFFENSIVE, 4)}),
    ("who said there's two choices in this election", {(OFFENSIVE, 7)}),
    ("who said this is America's border czar and she's failed us", {(OFFENSIVE, 12)}),
    ("who said failed, weak, dangerously liberal", {(OFFENSIVE, 13)}),
    ("who said the vice president's work is not happening in a vacuum", {(PANICKED, 14)}),
    ("who said we are all part of one team", {(PANICKED, 15)}),
    ("who said help is on the way", {(PANICKED, 21)}),
    ("who said it's not going to be solved overnight", {(PANICKED, 22)}),
    ("who said she's the most qualified person", {(PANICKED, 19)}),
    ("who said the US-Mexico border has implications in the Northern Triangle", {(PANICKED, 25)}),
    ("who said everything you're doing in Central America", {(PANICKED, 24)}),
    ("who said Harris aides panicked", {(PANICKED, 2), (PANICKED, 11), (PANICKED, 5)}),
    ("who said Trump tanked the border bill", {(OFFENSIVE, 2)}),
    ("who said Kamala Harris supports more Border Patrol agents", {(OFFENSIVE, 6)}),
    ("who said Trump is trying to avoid being sentenced to prison", {(OFFENSIVE, 7)}),
    ("who said he only cares about himself", {(OFFENSIVE, 3)}),
    ("who said the issue had been mischaracterized", {(PANICKED, 13)}),  # reported speech, no quotation
    ("who said Harris focused on long-term fixes", {(OFFENSIVE, 15)}),  # likewise
    # When and where.
    ("when was Harris's rally in Atlanta", {(OFFENSIVE, 1)}),
    ("where did Harris hold her rally", {(OFFENSIVE, 1)}),
    ("when did Biden give Harris the border assignment", {(OFFENSIVE, 14), (PANICKED, 19)}),
    ("when does Harris' root cause work date to", {(OFFENSIVE, 14)}),
    ("where is Harris traveling next week", {(PANICKED, 6)}),
    ("when did the Harris campaign preview its video", {(OFFENSIVE, 5)}),
    ("which state does the campaign want to put in play for Democrats", {(OFFENSIVE, 4)}),
    ("where were the asylum-seeking migrant families waiting", {(PANICKED, 18)}),
    ("where was the 5-year-old boy abandoned", {(PANICKED, 10)}),
    # Who is someone.
    ("who is Symone Sanders", {(PANICKED, 14)}),
    ("who is Cris Ramon", {(PANICKED, 24)}),
    ("who is Dana Bash", {(PANICKED, 21)}),
    ("who remained responsible for overseeing border security", {(OFFENSIVE, 15)}),
    ("who abandoned the boy near the Texas border", {(PANICKED, 10)}),
    # What happened.
    ("what did Harris prosecute as California attorney general", {(OFFENSIVE, 2)}),
    ("how long is the Harris campaign video", {(OFFENSIVE, 5)}),
    ("which interview do the Trump ads pull from", {(OFFENSIVE, 11)}),
    ("had Harris visited Europe", {(OFFENSIVE, 11)}),
    ("what did Harris call on Trump to do", {(OFFENSIVE, 4)}),
    ("what is Harris dancing in", {(OFFENSIVE, 12)}),
    ("why did Harris's team panic", {(PANICKED, 11), (PANICKED, 3)}),
    ("which countries is Harris leading efforts with", {(PANICKED, 9), (PANICKED, 6), (PANICKED, 19)}),
    ("what is the Republican label for Harris", {(OFFENSIVE, 8), (OFFENSIVE, 5)}),
    ("who blocked the bill to increase the number of Border Patrol agents", {(OFFENSIVE, 6)}),
]
