"""Spanish date and time formats: as in English, a date-time names its zone (PST or PDT)."""

DATETIME_FORMAT = r"j \d\e F \d\e Y, H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
