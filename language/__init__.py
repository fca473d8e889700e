"""Language and voice: what a complaint's words say (category, language, script) and what its audio says."""
