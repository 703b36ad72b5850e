{#- One row per combination of `columns` (nulls compare equal). -#}
{% test hr_unique_combination(model, columns) %}
select {{ columns | map('string') | map('lower') | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
