# Figure targets, included by the top-level Makefile.
#
# `make figures` builds every figure; `make fig-<name>` builds one.  Each figure has a stamp under
# figures/out/.stamps/ that depends on its module, the plotting layer and the package sources it draws from.
# A stale stamp only queues its figure's name; the queue is then built by `python -m figures` in two worker
# processes (one per core, figures that share JAX compilations in the same one), which touch each stamp when
# its figure is done.  A second `make figures` finds every stamp fresh and does no work.  Expensive
# numbers are cached in figures/data/ (keyed by a hash of their config), so a killed build resumes where it
# stopped; a figure killed before its stamp was touched is simply queued again.

FIG_NAMES := regimes linear replace-multiple appendix-f all-regimes temperature golden-ratio gaussian kde schematic
FIG_NEURAL := lm vae diffusion
FIG_STAMPS := figures/out/.stamps
FIG_QUEUE := $(FIG_STAMPS)/.queue
FIG_LAYER := $(addprefix figures/,__init__.py __main__.py plotting.py style.py paths.py cache.py sources.py)
FIG_PACKAGE = $(wildcard collapse_theory/*.py simulations/*.py)
FIG_TARGETS := $(addprefix fig-,$(FIG_NAMES) $(addprefix neural-,$(FIG_NEURAL)))
# Worker processes for the queue: the figures split into two lanes of about equal work (figures.LANES).
FIG_JOBS ?= 2

.PHONY: figures $(FIG_TARGETS)

# Build whatever the prerequisites queued, in one process; the queue is removed only once it is built.
define FIG_BUILD_QUEUE
	@if [ -s $(FIG_QUEUE) ]; then \
	  $(BIN)/python -m figures --jobs $(FIG_JOBS) --stamps $(FIG_STAMPS) $$(awk '!seen[$$0]++' $(FIG_QUEUE)) && rm -f $(FIG_QUEUE); \
	fi
endef

figures: $(addprefix $(FIG_STAMPS)/,$(FIG_NAMES)) $(foreach k,$(FIG_NEURAL),fig-neural-$(k)-data)
	$(FIG_BUILD_QUEUE)

# fig-NAME -> stamp (queued when stale); the module is figures/NAME.py with - spelled _.
define FIG_RULE
fig-$(1): $(FIG_STAMPS)/$(1)
	$$(FIG_BUILD_QUEUE)
$(FIG_STAMPS)/$(1): figures/$(subst -,_,$(1)).py $(FIG_LAYER) $(FIG_PACKAGE) | $(STAMP)
	@mkdir -p $(FIG_STAMPS) && echo $(1) >> $(FIG_QUEUE)
endef
$(foreach name,$(FIG_NAMES),$(eval $(call FIG_RULE,$(name))))

# Neural figures draw what the neural loop wrote; without runs the target says how to make them and succeeds.
define FIG_NEURAL_RULE
FIG_RUNS_$(1) := $(wildcard figures/data/neural/$(1)/*/result.json)
.PHONY: fig-neural-$(1)-data
fig-neural-$(1)-data: $$(if $$(FIG_RUNS_$(1)),$(FIG_STAMPS)/neural-$(1))
	$$(if $$(FIG_RUNS_$(1)),,@echo "fig-neural-$(1): no $(1) runs in figures/data/neural/$(1)/ yet; train them with 'make neural' (or 'collapse-theory neural --kind $(1) --regime replace', then '--regime accumulate'), then 'make fig-neural-$(1)'")
fig-neural-$(1): fig-neural-$(1)-data
	$$(FIG_BUILD_QUEUE)
$(FIG_STAMPS)/neural-$(1): figures/neural.py figures/neural_$(1).py $(FIG_LAYER) $$(FIG_RUNS_$(1)) | $(STAMP)
	@mkdir -p $(FIG_STAMPS) && echo neural-$(1) >> $(FIG_QUEUE)
endef
$(foreach kind,$(FIG_NEURAL),$(eval $(call FIG_NEURAL_RULE,$(kind))))
