"""Forms with rules beyond what the model fields state."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Measure
from .money import AmountField


class AmountInput(forms.TextInput):
    """Shows a stored amount as an editor reads it: HK$200,000,000."""

    def format_value(self, value):
        if isinstance(value, int):
            return f"HK${value:,}"
        return super().format_value(value)


class StaleSaveForm(forms.ModelForm):
    """Refuses to save over a newer version of the record (optimistic locking, see
    ``models.Versioned``).

    The form carries the version the editor opened. If someone else saved the record since, the
    save is refused with a message saying who changed which fields meanwhile, and the editor's
    input stays in the form. The admin must show the ``opened_version`` field.
    """

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opened_version"].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None or not self.has_changed():
            return cleaned_data
        model = type(self.instance)._meta.concrete_model
        opened_version = cleaned_data.get("opened_version")
        current_version = (
            model.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if opened_version is None or opened_version != current_version:
            raise forms.ValidationError(
                "%(stale)s %(changes)s",
                code="stale",
                params={
                    "stale": _(
                        "Someone else saved this after you opened it, so your changes were not "
                        "saved. Your input is still below: open the page again in a new tab to "
                        "see their version, then apply your changes to it."
                    ),
                    "changes": self.changes_since(opened_version, current_version),
                },
            )
        return cleaned_data

    def changes_since(self, opened_version, current_version):
        """What the saves after ``opened_version`` changed, from the record's history."""
        saves = (current_version or 0) - (opened_version or 0)
        if saves < 1 or not hasattr(self.instance, "history"):
            return ""
        entries = list(self.instance.history.order_by("-history_date", "-history_id")[: saves + 1])
        lines = []
        for newer, older in zip(entries, entries[1:], strict=False):
            fields = [
                str(type(self.instance)._meta.get_field(change.field).verbose_name)
                for change in newer.diff_against(older).changes
            ]
            if fields:
                lines.append(
                    _("%(who)s changed: %(fields)s.")
                    % {
                        "who": newer.history_user or _("An import"),
                        "fields": ", ".join(fields),
                    }
                )
        return " ".join(lines)


class MeasureAdminForm(StaleSaveForm):
    """A measure: optimistic locking, and the amount typed as people write it."""

    amount_hkd = AmountField(
        label=_("amount (HK$)"),
        required=False,
        widget=AmountInput,
        help_text=_(
            "As people write it: 2億, 5,000萬, HK$100 million, 3bn or 200000000; empty when "
            "the source states no amount"
        ),
    )

    class Meta:
        model = Measure
        fields = [
            *(name for name in Measure.DESCRIPTION_FIELDS if name not in Measure.DERIVED_FIELDS),
            "themes",
            *Measure.TIMING_FIELDS,
            *Measure.AMOUNT_FIELDS,
        ]
