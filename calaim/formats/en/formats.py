"""Date and time formats: every date-time a user sees names its zone (PST or PDT), as all times
are shown in California time (settings.TIME_ZONE). Templates use the names, never a pattern:
`{{ at|date:"SHORT_DATETIME_FORMAT" }}` or `{{ at }}`."""

DATETIME_FORMAT = "N j, Y, g:i a T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
