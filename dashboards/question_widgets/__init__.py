"""The widgets of a quiz question, one module per kind of answer; `dashboards.questions` is the public API."""
