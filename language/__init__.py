"""Language and voice: a complaint's words (category, language, script) and its audio's words."""
