# Figure targets, included by the top-level Makefile.
figures: $(STAMP)
	$(BIN)/python -m figures
