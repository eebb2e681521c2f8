# Figure targets, included by the top-level Makefile.
#
# `make figures` builds every figure; `make fig-<name>` builds one.  Each figure has a stamp under
# figures/out/.stamps/ that depends on its module, the plotting layer and the package sources it draws from,
# so only what changed is rebuilt and a second `make figures` does no work.  Expensive numbers are cached in
# figures/data/ (keyed by a hash of their config), so a killed build resumes where it stopped.

FIG_NAMES := regimes linear replace-multiple appendix-f all-regimes temperature golden-ratio gaussian kde schematic
FIG_NEURAL := lm vae diffusion
FIG_STAMPS := figures/out/.stamps
FIG_LAYER := $(addprefix figures/,__init__.py __main__.py plotting.py style.py paths.py cache.py sources.py)
FIG_PACKAGE = $(wildcard collapse_theory/*.py simulations/*.py)

.PHONY: figures $(addprefix fig-,$(FIG_NAMES) $(addprefix neural-,$(FIG_NEURAL)))

figures: $(addprefix fig-,$(FIG_NAMES) $(addprefix neural-,$(FIG_NEURAL)))

# fig-NAME -> stamp -> `python -m figures NAME`; the module is figures/NAME.py with - spelled _.
define FIG_RULE
fig-$(1): $(FIG_STAMPS)/$(1)
$(FIG_STAMPS)/$(1): figures/$(subst -,_,$(1)).py $(FIG_LAYER) $(FIG_PACKAGE) | $(STAMP)
	$(BIN)/python -m figures $(1)
	@mkdir -p $(FIG_STAMPS) && touch $$@
endef
$(foreach name,$(FIG_NAMES),$(eval $(call FIG_RULE,$(name))))

# Neural figures draw what the neural loop wrote; without runs the target says how to make them and succeeds.
define FIG_NEURAL_RULE
fig-neural-$(1): $(if $(wildcard figures/data/neural/$(1)/*/result.json),$(FIG_STAMPS)/neural-$(1))
	$(if $(wildcard figures/data/neural/$(1)/*/result.json),,@echo "fig-neural-$(1): no $(1) runs in figures/data/neural/$(1)/ yet; train them with 'make neural' (or 'collapse-theory neural --kind $(1) --regime replace', then '--regime accumulate'), then 'make fig-neural-$(1)'")
$(FIG_STAMPS)/neural-$(1): figures/neural.py figures/neural_$(1).py $(FIG_LAYER) $(wildcard figures/data/neural/$(1)/*/result.json) | $(STAMP)
	$(BIN)/python -m figures neural-$(1)
	@mkdir -p $(FIG_STAMPS) && touch $$@
endef
$(foreach kind,$(FIG_NEURAL),$(eval $(call FIG_NEURAL_RULE,$(kind))))
