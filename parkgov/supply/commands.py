"""`parkgov supply …`: the supply command group. Commands only translate: parse, call one service, print.

Other supply modules add their commands to `supply_app` in their own files, imported at the end of this module
when present; like this one they import Django code inside the command functions (the group is built before
Django is set up).
"""

import importlib
import importlib.util

import typer

supply_app = typer.Typer(help="供地与准入：准入联审、标准地承诺与达产复核、闲置土地、控制指标、用地指标", no_args_is_help=True)
COMMAND_MODULES = ("parkgov.supply.review_commands", "parkgov.supply.admission_commands",
                   "parkgov.supply.contract_commands", "parkgov.supply.idle_commands",
                   "parkgov.supply.control_commands", "parkgov.supply.quota_commands")

for _name in COMMAND_MODULES:
    if importlib.util.find_spec(_name) is not None:
        importlib.import_module(_name)
