"""Pages for people, one module per audience: ``learning`` (trainees), ``authoring`` (course
authors), ``sessions`` (in-person sessions), ``reports`` (trainers and leaders)."""
