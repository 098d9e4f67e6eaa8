"""Question files, read into ``question_create`` keyword dicts: ``gift`` (Moodle's GIFT) and
``bank_csv`` (CSV, read and written). They write nothing to the database:
``services.questions_import`` writes what they give."""
