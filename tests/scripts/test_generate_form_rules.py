from scripts.generate_form_rules import FREE_TEXT_FORMS, TARGET, render


def test_the_committed_rules_are_what_the_tables_generate():
    assert TARGET.read_text(encoding="utf-8") == render(), (
        "data/rules/form_interruptions.yml is out of date: "
        "run `PYTHONPATH=. python -m scripts.generate_form_rules`"
    )


def test_free_text_forms_only_stop_they_never_answer_in_between():
    rendered = render()
    for form in FREE_TEXT_FORMS:
        assert f"during {form}" not in rendered
        assert f"deny stops {form}" in rendered
