
    
    

select
    id as unique_field,
    count(*) as n_records

from "w"."bytehr"."leave_requests"
where id is not null
group by id
having count(*) > 1


