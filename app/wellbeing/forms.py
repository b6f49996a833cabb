"""The WHO-5 form: five sentences, one answer each."""
from __future__ import annotations

from app.forms import KituoForm, Radio, required
from app.wellbeing.services import ANSWERS, QUESTIONS


class CheckForm(KituoForm):
    cheerful = Radio(QUESTIONS["cheerful"], [required()], coerce=int, choices=ANSWERS)
    calm = Radio(QUESTIONS["calm"], [required()], coerce=int, choices=ANSWERS)
    active = Radio(QUESTIONS["active"], [required()], coerce=int, choices=ANSWERS)
    rested = Radio(QUESTIONS["rested"], [required()], coerce=int, choices=ANSWERS)
    interested = Radio(QUESTIONS["interested"], [required()], coerce=int, choices=ANSWERS)


class AgreeForm(KituoForm):
    pass
