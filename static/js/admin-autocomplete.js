'use strict';
// The admin's autocomplete boxes (select2) name themselves by the value they show, or not at
// all: each box, and the search field a box of several values types into, is given its field's
// name (from its label, or in an inline row from the select's aria-label), followed by the value.
{
    const $ = django.jQuery;

    function fieldName(select) {
        const label = select.labels && select.labels[0];
        const text = label ? label.textContent : select.getAttribute('aria-label') || '';
        return text.trim().replace(/[:：]$/, '');
    }

    function nameBox(select) {
        const container = select.nextElementSibling;
        if (!container || !container.classList.contains('select2')) {
            return;
        }
        const name = fieldName(select);
        const box = container.querySelector('.select2-selection');
        const shown = container.querySelector('.select2-selection--single .select2-selection__rendered');
        if (shown) {
            // Read as "Record: <the record chosen>"; the shown value is no text box of its own.
            const nameId = select.id + '-name';
            if (!document.getElementById(nameId)) {
                const hidden = document.createElement('span');
                hidden.id = nameId;
                hidden.hidden = true;
                hidden.textContent = name;
                container.appendChild(hidden);
            }
            shown.removeAttribute('role');
            shown.removeAttribute('aria-readonly');
            box.setAttribute('aria-labelledby', nameId + ' ' + shown.id);
        } else {
            box.setAttribute('aria-label', name);
        }
        const search = container.querySelector('.select2-search__field');
        if (search) {
            search.setAttribute('aria-label', name);
        }
    }

    function nameBoxes(root) {
        $(root).find('select.admin-autocomplete').not('[name*=__prefix__]').each(function() {
            nameBox(this);
        });
    }

    // Django's autocomplete.js, loaded before this file, has made the boxes by then.
    $(function() {
        nameBoxes(document);
    });
    document.addEventListener('formset:added', (event) => nameBoxes(event.target));
    // The search field of an opened single box lives in its dropdown.
    $(document).on('select2:open', 'select.admin-autocomplete', function() {
        const search = document.querySelector('.select2-container--open .select2-search__field');
        if (search) {
            search.setAttribute('aria-label', fieldName(this));
        }
    });
}
