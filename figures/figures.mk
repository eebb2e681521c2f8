# Figure targets, included by the top-level Makefile.
#
# `make figures` builds every figure; `make fig-<name>` builds one.  Each figure has a stamp under
# figures/out/.stamps/ that depends on its module, the plotting layer and the package sources it draws from.
# A stale stamp only queues its figure's name; the queue is then built by `python -m figures` in two worker
# processes (one per core, figures that share JAX compilations in the same one), which touch each stamp when
# its figure is done.  A second `make figures` finds every stamp fresh and does no work.  Expensive
# numbers are cached in figures/data/ (keyed by a hash of their config), so a killed build resumes where it
# stopped; a figure killed before its stamp was touched is simply queued again.
#
# The neural figures train the runs they draw on first use (figures/neural_runs.py: the runs `make neural`
# makes, resumable, finished ones read back).  `make figures FAST=1` builds everything at the fast size (neural
# runs under figures/data/neural-fast, titles saying so); switching between FAST=1 and the default size
# rebuilds every figure, since the stamps record the mode they were built in.

# The figure names are the registry figures.FIGURES (figures/__init__.py), read here without Python.
FIG_ALL := $(shell sed -n 's/^    "\([a-z0-9-]*\)": "figures\.[a-z0-9_]*",$$/\1/p' figures/__init__.py)
FIG_NAMES := $(filter-out neural-%,$(FIG_ALL))
FIG_NEURAL := $(patsubst neural-%,%,$(filter neural-%,$(FIG_ALL)))
FIG_STAMPS := figures/out/.stamps
FIG_QUEUE := $(FIG_STAMPS)/.queue
FIG_LAYER := $(addprefix figures/,__init__.py __main__.py plotting.py style.py paths.py cache.py sources.py)
FIG_PACKAGE = $(wildcard collapse_theory/*.py simulations/*.py)
FIG_TARGETS := $(addprefix fig-,$(FIG_NAMES) $(addprefix neural-,$(FIG_NEURAL)))
FIG_NEURAL_CODE = figures/neural.py figures/neural_runs.py $(wildcard simulations/neural/*.py)
FIG_MODE := $(if $(FAST),fast,default)
FIG_FAST := $(if $(FAST),--fast)
# The mode file changes (and so outdates every stamp) only when the mode does.
$(shell mkdir -p $(FIG_STAMPS) && [ "$$(cat $(FIG_STAMPS)/.mode 2>/dev/null)" = "$(FIG_MODE)" ] || echo $(FIG_MODE) > $(FIG_STAMPS)/.mode)
# Worker processes for the queue: the figures split into two lanes of about equal work (figures.LANES).
FIG_JOBS ?= 2

.PHONY: figures $(FIG_TARGETS)

# Build whatever the prerequisites queued, in one process; the queue is removed only once it is built.
define FIG_BUILD_QUEUE
	@if [ -s $(FIG_QUEUE) ]; then \
	  $(BIN)/python -m figures $(FIG_FAST) --jobs $(FIG_JOBS) --stamps $(FIG_STAMPS) $$(awk '!seen[$$0]++' $(FIG_QUEUE)) && rm -f $(FIG_QUEUE); \
	fi
endef

figures: $(addprefix $(FIG_STAMPS)/,$(FIG_NAMES) $(addprefix neural-,$(FIG_NEURAL)))
	$(FIG_BUILD_QUEUE)

# fig-NAME -> stamp (queued when stale); the module is figures/NAME.py with - spelled _.
define FIG_RULE
fig-$(1): $(FIG_STAMPS)/$(1)
	$$(FIG_BUILD_QUEUE)
$(FIG_STAMPS)/$(1): figures/$(subst -,_,$(1)).py $(FIG_LAYER) $(FIG_PACKAGE) $(FIG_STAMPS)/.mode | $(STAMP)
	@mkdir -p $(FIG_STAMPS) && echo $(1) >> $(FIG_QUEUE)
endef
$(foreach name,$(FIG_NAMES),$(eval $(call FIG_RULE,$(name))))

# Neural figures: the stamp also depends on the neural loop's code (a changed loop may change the runs).
define FIG_NEURAL_RULE
fig-neural-$(1): $(FIG_STAMPS)/neural-$(1)
	$$(FIG_BUILD_QUEUE)
$(FIG_STAMPS)/neural-$(1): figures/neural_$(1).py $(FIG_NEURAL_CODE) $(FIG_LAYER) $(FIG_STAMPS)/.mode | $(STAMP)
	@mkdir -p $(FIG_STAMPS) && echo neural-$(1) >> $(FIG_QUEUE)
endef
$(foreach kind,$(FIG_NEURAL),$(eval $(call FIG_NEURAL_RULE,$(kind))))
