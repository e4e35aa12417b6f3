"""Pipeline stages. Each has ``warm_up()`` and a typed ``run()``; only ``assistant.pipeline`` wires them."""
