"""Signed electronic results and the personal data store."""

from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "motcua.results"
    label = "results"

    def ready(self) -> None:
        from motcua.dossiers import backoffice
        from motcua.results import hooks

        # ready() may run twice (tests, autoreload): register each hook once.
        if hooks.finish_step_remember not in backoffice.before_action["finish"]:
            backoffice.before_action["finish"].append(hooks.finish_step_remember)
        if hooks.finish_result_issue not in backoffice.after_action["finish"]:
            backoffice.after_action["finish"].append(hooks.finish_result_issue)
        # After the result is issued (the hook above), so that "finish" links to it too.
        for action in ("finish", "return_result"):
            if hooks.result_messages_link_verification not in backoffice.after_action[action]:
                backoffice.after_action[action].append(hooks.result_messages_link_verification)
