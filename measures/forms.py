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


class MeasureAdminForm(forms.ModelForm):
    """Refuses to save over a newer version of the measure (optimistic locking).

    The form carries the version the editor opened. If someone else saved the measure since, the
    save is refused with a message and the editor's input stays in the form.
    """

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
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
            "slug",
            "name_zh",
            "name_en",
            "summary_zh",
            "summary_en",
            "kind",
            "status",
            "themes",
            "timing_zh",
            "timing_en",
            "starts_on",
            "ends_on",
            "amount_hkd",
            "amount_type",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opened_version"].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None:
            return cleaned_data
        opened_version = cleaned_data.get("opened_version")
        current_version = (
            Measure.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if opened_version is None or opened_version != current_version:
            raise forms.ValidationError(
                _(
                    "Someone else saved this measure after you opened it, so your changes were "
                    "not saved. Your input is still below: open the record again in a new tab to "
                    "see their version, then apply your changes to it."
                ),
                code="stale",
            )
        return cleaned_data
