"""Pages for people: ``attempts`` (trainees take assessments and read results), ``marking``
(trainers grade essays and grant allowances), ``statistics`` (item analysis and learning gain)."""
